/// The registry: every vocabulary JobLedger speaks, one line each, in the order a replay line
/// prints them. A new vocabulary is a type conforming to ``VocabularyProjection`` in its own file
/// plus one line here; the CLI, the docs' tables and the tests follow from this list.
extension Vocabulary {
    public static let allCases: [Vocabulary] = [
        .sestek,
        .nupic,
        .llamaStack,
        .novita,
        .bluesight,
        .sagemaker,
        .vertex,
        .kubeflow,
        .mlflow,
        .openai,
    ]
}
