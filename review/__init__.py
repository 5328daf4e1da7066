"""The human loop: feedback, review queue, grading, golden-case export."""
