"""cvm-helpdesk: settings, the command line, and benchmarks."""
