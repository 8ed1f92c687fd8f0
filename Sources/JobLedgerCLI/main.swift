print("jobledger: not yet")
