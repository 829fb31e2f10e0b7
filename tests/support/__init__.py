"""Real servers for the tests: OpenSSH and Redis on loopback, started and stopped by PID."""
