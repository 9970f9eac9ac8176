//! Cluster access (kubeconfig, client). Filled in by the foundation work.
