"""Cross-stack composition: one network from algorithm stages (pruning, ternarization) to a hardware target (TiM
tiles, resistive crossbars, the SparCE core), built from the stage registry alone (:mod:`workbench.core.stages`)."""
