"""SparCE (arXiv:1711.06315): sparsity-aware core extensions (SpRF + SASA) on real AArch64 kernels in Unicorn."""
