# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_llmd_global_optspecs
    string join \n kubeconfig= context= cluster= user= n/namespace= A/all-namespaces as= as-group= request-timeout= o/output= color= v/verbose certificate-authority= insecure-skip-tls-verify h/help V/version
end

function __fish_kubectl_llmd_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_llmd_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_llmd_using_subcommand
    set -l cmd (__fish_kubectl_llmd_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -f -a "doctor" -d 'Discover the llm-d serving and monitoring path and name every broken piece'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -f -a "install-monitoring" -d 'Install the Grafana stack on Thanos Querier, idempotently'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -f -a "uninstall-monitoring" -d 'Remove exactly what install-monitoring created'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -f -a "stats" -d 'Live metric summaries per model, pod and pool'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -f -a "fix" -d 'Print or apply the fixes doctor names'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -f -a "dashboards" -d 'Print our Grafana dashboards, adapted to a metric naming'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -f -a "demo" -d 'Try the plugin on a built-in simulated cluster, or serve one'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -f -a "version" -d 'Print the version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l category -d 'Only run checks of this category (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l check -d 'Only run this check id (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l ignore -d 'Ignore a check id, optionally for one subject: ID or ID=ns/name (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l fail-on -d 'Exit 1 on errors (default) or also on warnings' -r -f -a "error\t''
warn\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l probe-address -d 'Reach a gateway at this URL instead of its status address, e.g. behind `oc port-forward`: GATEWAY is NAME or NAMESPACE/NAME (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l probe-model -d 'Model name to send in the probe\'s completion instead of the id /v1/models lists (check the name your clients use)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l prometheus-url -d 'Any Prometheus-compatible endpoint instead of the Thanos Querier route' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l token -d 'Bearer token for --prometheus-url (default: the kubeconfig user\'s token)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l list -d 'Print the check catalogue and exit'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l probe -d 'Send bounded test requests through each gateway (opt-in traffic): GET /v1/models and a one-token completion per route'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l tenant -d 'Tenant mode: datasource on Thanos\' tenancy port for this namespace, no cluster role' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l timeout -d 'How long to wait for the operator, the token, Grafana and its datasource/dashboards, e.g. 5m (0: apply and do not wait)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l enable-uwm -d 'Set enableUserWorkload: true in cluster-monitoring-config (keeping every other key)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l install-operator -d 'Create the OLM Subscription for the Grafana Operator when it is missing'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l envoyfilter-fix -d 'Also apply the gateway EnvoyFilter workaround (see `fix envoyfilter`)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l show-password -d 'Print the Grafana admin password'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -s h -l help -d 'Print help'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand install-monitoring" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -l tenant -d 'The --tenant namespace of the install: where to find its RoleBinding when listing RoleBindings in every namespace is not allowed' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -l delete-namespace -d 'Also delete the namespace when it holds nothing else'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -l dry-run -d 'Print what would be deleted and change nothing'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -s h -l help -d 'Print help'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand uninstall-monitoring" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l window -d 'Rate and quantile window' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l source -d 'Where the numbers come from' -r -f -a "prometheus\t''
pods\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l interval -d 'With --source pods: time between the two scrapes' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l refresh -d 'Refresh period with --watch' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l naming -d 'Metric naming: auto (detect from Prometheus; remembered per endpoint in ~/.cache/oc-llmd and re-checked alongside the queries) or a variant such as kserve-v1-epp-objective (skips detection; Prometheus source only)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l tenancy-url -d 'Tenancy endpoint (Thanos port 9092) to retry on when the web port answers 403 for -n NS (default: the same URL, with namespace=NS)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l prometheus-url -d 'Any Prometheus-compatible endpoint instead of the Thanos Querier route' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l token -d 'Bearer token for --prometheus-url (default: the kubeconfig user\'s token)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l watch -d 'Keep refreshing'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -s h -l help -d 'Print help'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand stats" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -s h -l help -d 'Print help'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -f -a "envoyfilter" -d 'EnvoyFilter patching the base ext_proc filter on gateways routing to an InferencePool (Istio 1.26)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -f -a "epp-tls" -d 'Add --secure-serving/--cert-path to the scheduler (EPP) args where TLS to the EPP is expected'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -f -a "pd-config" -d 'Make the EndpointPickerConfig prefill/decode aware (pd-profile-handler, prefill/decode profiles)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and not __fish_seen_subcommand_from envoyfilter epp-tls pd-config help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l gateway -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l body-mode -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l dry-run
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l remove
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l force
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -s h -l help -d 'Print help'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from envoyfilter" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -l apply -d 'Apply the patch (shows the diff first; asks on a terminal, needs --yes otherwise)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -l yes -d 'With --apply: do not ask for confirmation'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -s h -l help -d 'Print help'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from epp-tls" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -l apply -d 'Apply the patch (shows the diff first; asks on a terminal, needs --yes otherwise)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -l yes -d 'With --apply: do not ask for confirmation'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -s h -l help -d 'Print help'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from pd-config" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from help" -f -a "envoyfilter" -d 'EnvoyFilter patching the base ext_proc filter on gateways routing to an InferencePool (Istio 1.26)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from help" -f -a "epp-tls" -d 'Add --secure-serving/--cert-path to the scheduler (EPP) args where TLS to the EPP is expected'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from help" -f -a "pd-config" -d 'Make the EndpointPickerConfig prefill/decode aware (pd-profile-handler, prefill/decode profiles)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand fix; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l naming -d 'Metric naming: auto (detect from Prometheus) or a variant such as kserve-v1-epp-objective (<kserve|plain>-<v0|v1tpot|v1>-epp-<model|objective|llmd|none>; v1tpot = vLLM 0.9–0.10)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l name -d 'Only this dashboard (with -o json: one dashboard, importable into Grafana)' -r -f -a "vllm\t'vLLM — latency, throughput and cache'
epp\t'EPP — routing and pool health'
overview\t'LLMInferenceService overview'"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l datasource-uid -d 'Grafana datasource uid every panel references' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l prometheus-url -d 'Any Prometheus-compatible endpoint instead of the Thanos Querier route' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l token -d 'Bearer token for --prometheus-url (default: the kubeconfig user\'s token)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand dashboards" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -s h -l help -d 'Print help'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -f -a "serve" -d 'Serve a simulated cluster until SIGINT/SIGTERM (a stable contract for tools and tests)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and not __fish_seen_subcommand_from serve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l scenario -d 'A scenario shipped in the binary (see --list)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l fixture -d 'Scenario files (multi-document Kubernetes YAML), loaded in order (repeatable)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l kubeconfig-out -d 'Where to write the admin kubeconfig (`PATH.<user>` is written for every other user)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l latency-ms -d 'Latency injected into every API request' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l port -d 'Port for the API server (0 = any free port)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l monitoring -d 'Simulated Prometheus + Thanos Querier behind the `thanos-querier` Route' -r -f -a "auto\t'Start Prometheus + Thanos when `prometheus` is installed (say so on stderr when not)'
on\t'Require them (fail when `prometheus` is missing)'
off\t'API server only'"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l plain-http -d 'Serve plain HTTP instead of HTTPS'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l list -d 'List the shipped scenarios'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Serve a simulated cluster until SIGINT/SIGTERM (a stable contract for tools and tests)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand demo; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -s h -l help -d 'Print help'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand completion" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -l kubeconfig -d 'Path to the kubeconfig file (wins over KUBECONFIG)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -s n -l namespace -d 'Namespace scope (beats the context\'s namespace)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -l as-group -d 'Group to impersonate (repeatable)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -l request-timeout -d 'Time to wait for one server request, e.g. 10s, 1m (0 = no limit)' -r
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
short\t''
json\t''
yaml\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -l color -d 'When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -l certificate-authority -d 'Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig\'s)' -r -F
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -s A -l all-namespaces -d 'All namespaces'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -s v -l verbose -d 'Log API requests (method, path, status, duration) on stderr; tokens are never printed'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -l insecure-skip-tls-verify -d 'Do not verify TLS certificates (unsafe; only on request)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -s h -l help -d 'Print help'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand version" -s V -l version -d 'Print version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and not __fish_seen_subcommand_from doctor install-monitoring uninstall-monitoring stats fix dashboards demo completion version help" -f -a "doctor" -d 'Discover the llm-d serving and monitoring path and name every broken piece'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and not __fish_seen_subcommand_from doctor install-monitoring uninstall-monitoring stats fix dashboards demo completion version help" -f -a "install-monitoring" -d 'Install the Grafana stack on Thanos Querier, idempotently'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and not __fish_seen_subcommand_from doctor install-monitoring uninstall-monitoring stats fix dashboards demo completion version help" -f -a "uninstall-monitoring" -d 'Remove exactly what install-monitoring created'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and not __fish_seen_subcommand_from doctor install-monitoring uninstall-monitoring stats fix dashboards demo completion version help" -f -a "stats" -d 'Live metric summaries per model, pod and pool'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and not __fish_seen_subcommand_from doctor install-monitoring uninstall-monitoring stats fix dashboards demo completion version help" -f -a "fix" -d 'Print or apply the fixes doctor names'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and not __fish_seen_subcommand_from doctor install-monitoring uninstall-monitoring stats fix dashboards demo completion version help" -f -a "dashboards" -d 'Print our Grafana dashboards, adapted to a metric naming'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and not __fish_seen_subcommand_from doctor install-monitoring uninstall-monitoring stats fix dashboards demo completion version help" -f -a "demo" -d 'Try the plugin on a built-in simulated cluster, or serve one'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and not __fish_seen_subcommand_from doctor install-monitoring uninstall-monitoring stats fix dashboards demo completion version help" -f -a "completion" -d 'Print a shell completion script'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and not __fish_seen_subcommand_from doctor install-monitoring uninstall-monitoring stats fix dashboards demo completion version help" -f -a "version" -d 'Print the version'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and not __fish_seen_subcommand_from doctor install-monitoring uninstall-monitoring stats fix dashboards demo completion version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and __fish_seen_subcommand_from fix" -f -a "envoyfilter" -d 'EnvoyFilter patching the base ext_proc filter on gateways routing to an InferencePool (Istio 1.26)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and __fish_seen_subcommand_from fix" -f -a "epp-tls" -d 'Add --secure-serving/--cert-path to the scheduler (EPP) args where TLS to the EPP is expected'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and __fish_seen_subcommand_from fix" -f -a "pd-config" -d 'Make the EndpointPickerConfig prefill/decode aware (pd-profile-handler, prefill/decode profiles)'
complete -c kubectl-llmd -n "__fish_kubectl_llmd_using_subcommand help; and __fish_seen_subcommand_from demo" -f -a "serve" -d 'Serve a simulated cluster until SIGINT/SIGTERM (a stable contract for tools and tests)'
