"""Running a section's steps: locally through invoke, remotely through Fabric, with events."""
