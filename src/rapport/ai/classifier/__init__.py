"""Text classifiers trained on the company's own labels: fine-tuning, evaluation, registry, serving, explanations.

Importing this package is cheap: PyTorch, transformers and onnxruntime load only when a model is trained or served.
"""
