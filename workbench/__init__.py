"""dse-workbench: explore the accuracy-versus-efficiency design space of efficient-DNN techniques and hardware."""

__version__ = "0.1.0"
