"""The knowledge base: articles the assistant and agents answer from."""
