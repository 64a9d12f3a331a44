"""DyVEDeep (arXiv:1704.01137): dynamic variable effort at neuron, feature and layer level on trained CNNs."""
