# Test harness: shared helpers and the tmux end-to-end tests.
