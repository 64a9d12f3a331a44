"""The pruning theme's declaration."""

from workbench.core.manifest import ThemeManifest

MANIFEST = ThemeManifest(
    theme="pruning",
    title="Pruning while training",
    papers=("2003.02800", "2002.09958"),
    notebook="pruning.ipynb",
    reproduce="workbench.pruning.reproduce:reproduce",
    studies=(
        "workbench.pruning.studies:WHILE_TRAINING",
        "workbench.pruning.studies:PRUNE_RETRAIN",
        "workbench.pruning.studies:SCHEDULE_COST",
    ),
    views=(
        "workbench.pruning.views:SAVING_CURVE",
        "workbench.pruning.views:ACCURACY_VS_COMPUTE",
        "workbench.pruning.views:REMAINING_WIDTH",
    ),
    stages=(
        "workbench.pruning.stages:TRAIN",
    ),
    claims=("P1", "P2", "P3", "F1"),
    summary="Filters removed during training by L1, mean activation, random or feature relevance (FRS), with "
            "the training compute each schedule spends.",
)
