"""TiM-DNN (arXiv:1909.06892): ternary quantization and the ternary in-memory accelerator model."""
