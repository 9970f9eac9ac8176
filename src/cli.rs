//! The command line: global kubectl-compatible flags and one subcommand per capability.
//!
//! kubectl and oc reject flags placed before a plugin's name (`kubectl -n x llmd` fails), so every
//! kubectl flag a user expects is parsed here, by the plugin, and accepted anywhere on the line.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "kubectl-llmd",
    version,
    about = "Diagnose, monitor and measure llm-d on OpenShift AI",
    long_about = "Diagnose, monitor and measure llm-d on OpenShift AI.\n\n\
        doctor finds every missing or broken piece of the serving and monitoring path;\n\
        install-monitoring sets up Grafana on Thanos Querier; stats prints live metrics.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Output formats every command accepts (`short` only where it makes sense).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Table,
    Wide,
    Short,
    Json,
    Yaml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Args, Default)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (wins over KUBECONFIG)
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<std::path::PathBuf>,
    /// The kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// The kubeconfig cluster to use
    #[arg(long, global = true, value_name = "NAME")]
    pub cluster: Option<String>,
    /// The kubeconfig user to use
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Namespace scope (beats the context's namespace)
    #[arg(short = 'n', long, global = true, value_name = "NS")]
    pub namespace: Option<String>,
    /// All namespaces
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,
    /// Username to impersonate for the operation
    #[arg(long = "as", global = true, value_name = "USER")]
    pub as_user: Option<String>,
    /// Group to impersonate (repeatable)
    #[arg(long = "as-group", global = true, value_name = "GROUP")]
    pub as_group: Vec<String>,
    /// Time to wait for one server request, e.g. 10s, 1m (0 = no limit)
    #[arg(long, global = true, value_name = "DURATION")]
    pub request_timeout: Option<String>,
    /// Output format
    #[arg(short = 'o', long, global = true, value_enum, default_value_t)]
    pub output: OutputFormat,
    /// When to colour output (NO_COLOR is honoured; never when stdout is not a terminal under auto)
    #[arg(long, global = true, value_enum, default_value_t)]
    pub color: ColorChoice,
    /// Log API requests (method, path, status, duration) on stderr; tokens are never printed
    #[arg(short = 'v', long = "verbose", global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Path to a CA bundle for the cluster API and Thanos (adds to the kubeconfig's)
    #[arg(long, global = true, value_name = "PATH")]
    pub certificate_authority: Option<std::path::PathBuf>,
    /// Do not verify TLS certificates (unsafe; only on request)
    #[arg(long, global = true)]
    pub insecure_skip_tls_verify: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Discover the llm-d serving and monitoring path and name every broken piece
    Doctor(DoctorArgs),
    /// Install the Grafana stack on Thanos Querier, idempotently
    InstallMonitoring(InstallArgs),
    /// Remove exactly what install-monitoring created
    UninstallMonitoring(UninstallArgs),
    /// Live metric summaries per model, pod and pool
    Stats(StatsArgs),
    /// Print or apply the fixes doctor names
    Fix(FixArgs),
    /// Print our Grafana dashboards, adapted to a metric naming
    Dashboards(DashboardsArgs),
    /// Try the plugin on a built-in simulated cluster, or serve one
    Demo(DemoArgs),
    /// Print a shell completion script
    Completion(CompletionArgs),
    /// Print the version
    Version,
    /// Answer kubectl's/oc's plugin completion protocol (Cobra `__complete`): used by the
    /// `kubectl_complete-llmd` and `oc_complete-llmd` executables, not by people
    #[command(name = "__complete", hide = true, disable_help_flag = true)]
    Complete(CompleteArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warn,
}

#[derive(Debug, Args, Default)]
pub struct DoctorArgs {
    /// Only run checks of this category (repeatable)
    #[arg(long, value_name = "CATEGORY")]
    pub category: Vec<String>,
    /// Only run this check id (repeatable)
    #[arg(long, value_name = "ID")]
    pub check: Vec<String>,
    /// Ignore a check id, optionally for one subject: ID or ID=ns/name (repeatable)
    #[arg(long, value_name = "ID[=ns/name]")]
    pub ignore: Vec<String>,
    /// Exit 1 on errors (default) or also on warnings
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Print the check catalogue and exit
    #[arg(long)]
    pub list: bool,
    /// Send bounded test requests through each gateway (opt-in traffic): GET /v1/models and a
    /// one-token completion per route
    #[arg(long)]
    pub probe: bool,
    /// Reach a gateway at this URL instead of its status address, e.g. behind
    /// `oc port-forward`: GATEWAY is NAME or NAMESPACE/NAME (repeatable)
    #[arg(long, value_name = "GATEWAY=URL", requires = "probe")]
    pub probe_address: Vec<String>,
    /// Model name to send in the probe's completion instead of the id /v1/models lists (check
    /// the name your clients use)
    #[arg(long, value_name = "NAME", requires = "probe")]
    pub probe_model: Option<String>,
    #[command(flatten)]
    pub prom: PromArgs,
}

/// Where live metrics come from (stats, doctor's live checks, install's naming probe).
#[derive(Debug, Args, Default, Clone)]
pub struct PromArgs {
    /// Any Prometheus-compatible endpoint instead of the Thanos Querier route
    #[arg(long, value_name = "URL")]
    pub prometheus_url: Option<String>,
    /// Bearer token for --prometheus-url (default: the kubeconfig user's token)
    #[arg(
        long,
        value_name = "TOKEN",
        env = "OC_LLMD_PROMETHEUS_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
}

#[derive(Debug, Args, Default)]
pub struct InstallArgs {
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Set enableUserWorkload: true in cluster-monitoring-config (keeping every other key)
    #[arg(long)]
    pub enable_uwm: bool,
    /// Create the OLM Subscription for the Grafana Operator when it is missing
    #[arg(long)]
    pub install_operator: bool,
    /// Tenant mode: datasource on Thanos' tenancy port for this namespace, no cluster role
    #[arg(long, value_name = "NAMESPACE")]
    pub tenant: Option<String>,
    /// Also apply the gateway EnvoyFilter workaround (see `fix envoyfilter`)
    #[arg(long)]
    pub envoyfilter_fix: bool,
    /// Print the Grafana admin password
    #[arg(long)]
    pub show_password: bool,
    /// How long to wait for the operator, the token, Grafana and its datasource/dashboards,
    /// e.g. 5m (0: apply and do not wait)
    #[arg(long, default_value = "5m")]
    pub timeout: String,
}

#[derive(Debug, Args, Default)]
pub struct UninstallArgs {
    /// Also delete the namespace when it holds nothing else
    #[arg(long)]
    pub delete_namespace: bool,
    /// Print what would be deleted and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// The --tenant namespace of the install: where to find its RoleBinding when listing
    /// RoleBindings in every namespace is not allowed
    #[arg(long, value_name = "NAMESPACE")]
    pub tenant: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum StatsSource {
    #[default]
    Prometheus,
    Pods,
}

#[derive(Debug, Args, Default)]
pub struct StatsArgs {
    /// Rate and quantile window
    #[arg(long, default_value = "5m")]
    pub window: String,
    /// Where the numbers come from
    #[arg(long, value_enum, default_value_t)]
    pub source: StatsSource,
    /// With --source pods: time between the two scrapes
    #[arg(long, default_value = "10s")]
    pub interval: String,
    /// Keep refreshing
    #[arg(long)]
    pub watch: bool,
    /// Refresh period with --watch
    #[arg(long, default_value = "5s")]
    pub refresh: String,
    /// Metric naming: auto (detect from Prometheus; remembered per endpoint in
    /// ~/.cache/oc-llmd and re-checked alongside the queries) or a variant such as
    /// kserve-v1-epp-objective (skips detection; Prometheus source only)
    #[arg(long, default_value = "auto", value_name = "auto|VARIANT")]
    pub naming: String,
    /// Tenancy endpoint (Thanos port 9092) to retry on when the web port answers 403 for -n NS
    /// (default: the same URL, with namespace=NS)
    #[arg(long, value_name = "URL")]
    pub tenancy_url: Option<String>,
    #[command(flatten)]
    pub prom: PromArgs,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(subcommand)]
    pub fix: FixCommand,
}

#[derive(Debug, Subcommand)]
pub enum FixCommand {
    /// EnvoyFilter patching the base ext_proc filter on gateways routing to an InferencePool (Istio 1.26)
    Envoyfilter {
        #[arg(long)]
        gateway: Option<String>,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        remove: bool,
        #[arg(long)]
        force: bool,
        #[arg(long, default_value = "STREAMED")]
        body_mode: String,
    },
    /// Add --secure-serving/--cert-path to the scheduler (EPP) args where TLS to the EPP is expected
    EppTls(ConfigFixArgs),
    /// Make the EndpointPickerConfig prefill/decode aware (pd-profile-handler, prefill/decode profiles)
    PdConfig(ConfigFixArgs),
}

/// `fix epp-tls` / `fix pd-config`: a guarded JSON patch on LLMInferenceServices.
#[derive(Debug, Args, Default)]
pub struct ConfigFixArgs {
    /// Only this LLMInferenceService (in -n NS or the context's namespace); default: every one
    /// in scope (all namespaces unless -n)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Apply the patch (shows the diff first; asks on a terminal, needs --yes otherwise)
    #[arg(long)]
    pub apply: bool,
    /// With --apply: do not ask for confirmation
    #[arg(long)]
    pub yes: bool,
}

/// One of our dashboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DashboardChoice {
    /// vLLM — latency, throughput and cache
    Vllm,
    /// EPP — routing and pool health
    Epp,
    /// LLMInferenceService overview
    Overview,
}

#[derive(Debug, Args)]
pub struct DashboardsArgs {
    /// Metric naming: auto (detect from Prometheus) or a variant such as kserve-v1-epp-objective
    /// (<kserve|plain>-<v0|v1tpot|v1>-epp-<model|objective|llmd|none>; v1tpot = vLLM 0.9–0.10)
    #[arg(long, default_value = "auto", value_name = "auto|VARIANT")]
    pub naming: String,
    /// Only this dashboard (with -o json: one dashboard, importable into Grafana)
    #[arg(long, value_enum)]
    pub name: Option<DashboardChoice>,
    /// Grafana datasource uid every panel references
    #[arg(long, value_name = "UID", default_value = crate::dashboards::DEFAULT_DATASOURCE_UID)]
    pub datasource_uid: String,
    #[command(flatten)]
    pub prom: PromArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(subcommand)]
    pub action: Option<DemoAction>,
}

#[derive(Debug, Subcommand)]
pub enum DemoAction {
    /// Serve a simulated cluster until SIGINT/SIGTERM (a stable contract for tools and tests)
    Serve(DemoServeArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum MonitoringChoice {
    /// Start Prometheus + Thanos when `prometheus` is installed (say so on stderr when not)
    #[default]
    Auto,
    /// Require them (fail when `prometheus` is missing)
    On,
    /// API server only
    Off,
}

#[derive(Debug, Args)]
pub struct DemoServeArgs {
    /// A scenario shipped in the binary (see --list)
    #[arg(long, conflicts_with = "fixture")]
    pub scenario: Option<String>,
    /// Scenario files (multi-document Kubernetes YAML), loaded in order (repeatable)
    #[arg(long)]
    pub fixture: Vec<std::path::PathBuf>,
    /// Where to write the admin kubeconfig (`PATH.<user>` is written for every other user)
    #[arg(long)]
    pub kubeconfig_out: Option<std::path::PathBuf>,
    /// Latency injected into every API request
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Port for the API server (0 = any free port)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Simulated Prometheus + Thanos Querier behind the `thanos-querier` Route
    #[arg(long, value_enum, default_value_t)]
    pub monitoring: MonitoringChoice,
    /// Serve plain HTTP instead of HTTPS
    #[arg(long)]
    pub plain_http: bool,
    /// List the shipped scenarios
    #[arg(long)]
    pub list: bool,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// bash, zsh, fish or powershell
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct CompleteArgs {
    /// The words after `llmd`; the last one is the word being completed (may be empty)
    #[arg(num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
}
