"""Running a section's steps: one bash session per target, here or over SSH, with events."""
