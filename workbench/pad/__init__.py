"""Pack and Detect (arXiv:1809.01701): ROI packing for video object detection, with a detector trained here."""
