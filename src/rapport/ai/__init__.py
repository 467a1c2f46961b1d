"""The AI runtime: the gateway every model call passes, providers, local weights, embeddings."""
