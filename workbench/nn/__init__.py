"""Shared PyTorch pieces for the themes: devices, model builders, the train/eval loop, MAC and memory counting."""

from workbench.nn.counting import LayerCount, ModelCount, count_macs
from workbench.nn.device import resolve_device, torch_threads
from workbench.nn.models import VGG, VGG_CFGS, BasicBlock, ResNet, resnet, vgg
from workbench.nn.train import FitResult, evaluate_accuracy, fit

__all__ = [
    "VGG",
    "VGG_CFGS",
    "BasicBlock",
    "FitResult",
    "LayerCount",
    "ModelCount",
    "ResNet",
    "count_macs",
    "evaluate_accuracy",
    "fit",
    "resnet",
    "resolve_device",
    "torch_threads",
    "vgg",
]
