// libpq, the PostgreSQL C client (Debian: libpq-dev; `pkg-config --cflags libpq` finds it).
#include <libpq-fe.h>
