import ArgumentParser
import Foundation
import Logging
import Metrics
import Pipeline
import Providers
import Prometheus
import ServiceLifecycle
import UnixSignals

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Claim and run jobs until SIGTERM/SIGINT (then finish or release running jobs).")

    @OptionGroup var store: StoreOptions
    @Option(help: "Jobs run at once.") var concurrency = 4
    @Option(help: "Queues to claim from, comma-separated.") var queues = "default"
    @Option(name: .customLong("rescue-after"), help: "Return a running job to the queue when its heartbeat is older than this.")
    var rescueAfter = "30s"
    @Option(name: .customLong("heartbeat"), help: "Heartbeat interval (default: rescue-after / 5).")
    var heartbeat: String?
    @Option(name: .customLong("shutdown-grace"), help: "On SIGTERM, how long running jobs may take before they are released.")
    var shutdownGrace = "30s"
    @Option(name: .customLong("poll-interval"), help: "Polling fallback when no notification arrives.")
    var pollInterval = "1s"
    @Option(name: .customLong("retry-base-delay"), help: "First retry delay (doubled per attempt, with jitter).")
    var retryBaseDelay = "1s"
    @Option(name: .customLong("metrics-port"), help: "Serve Prometheus metrics on this port (path /metrics).")
    var metricsPort: Int?
    @Option(name: .customLong("metrics-host"), help: "Address the metrics listener binds.")
    var metricsHost = "127.0.0.1"
    @Flag(name: .customLong("exit-when-idle"), help: "Stop once nothing is queued, retrying or running.")
    var exitWhenIdle = false
    @Option(name: .customLong("out"), help: "Output store of the media workflows (narrate, transcribe): s3://BUCKET/PREFIX or a folder. Without it the worker runs only noop, sleep and fail.")
    var output: String?
    @Option(help: "S3 endpoint for --out s3://… (default: AWS_ENDPOINT_URL).") var endpoint: String?
    @OptionGroup var limits: ProviderLimitOptions
    @Option(name: .customLong("public-url"),
            help: "The API server's public base URL (default: PUBLIC_URL): Rev.ai calls back at <url>/v1/callbacks/revai/{token} when a chunk is done; polling stays the fallback.")
    var publicURL: String?

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        for (name, value) in [("--rescue-after", rescueAfter), ("--shutdown-grace", shutdownGrace),
                              ("--poll-interval", pollInterval), ("--retry-base-delay", retryBaseDelay),
                              ("--heartbeat", heartbeat ?? "1s")] where parseDuration(value) == nil {
            throw ValidationError("\(name): not a duration: \(value)")
        }
        try validatePublicURL(publicURL ?? ProcessInfo.processInfo.environment["PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 })
    }

    func run() async throws {
        defer { ScratchSpace.removeProcessFolder() }  // a killed run's is removed by the next start
        var configuration = WorkerConfiguration()
        configuration.concurrency = concurrency
        configuration.queues = queues.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        configuration.rescueAfter = parseDuration(rescueAfter)!
        configuration.heartbeatInterval = heartbeat.flatMap(parseDuration)
        configuration.shutdownGrace = parseDuration(shutdownGrace)!
        configuration.pollInterval = parseDuration(pollInterval)!
        configuration.retryBaseDelay = parseDuration(retryBaseDelay)!
        configuration.exitWhenIdle = exitWhenIdle

        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "runner.worker")
        let store = try await self.store.open(poolSize: concurrency + 2)
        var workflows = WorkflowRegistry.builtIn
        var localWhisper: LocalWhisperEngine?
        if let output {
            // One set of provider clients for the whole process; the store keeps the fleet's
            // provider leases and the state of multipart uploads.
            var media = try WorkflowServices.forOutput(
                output, endpoint: endpoint, logger: logger, providerLimits: try limits.resolved(), store: store).services
            // `transcriber: local` jobs: the engine starts with the first one and stops with the worker.
            localWhisper = LocalWhisperInstallation.find().map { LocalWhisperEngine(installation: $0, logger: logger) }
            media.localWhisper = localWhisper
            media.publicURL = publicURL ?? ProcessInfo.processInfo.environment["PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 }
            workflows.registerMediaWorkflows(media)
        }
        let worker = Worker(store: store, registry: workflows, configuration: configuration, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if let metricsPort {
            let server = MetricsServer(host: metricsHost, port: metricsPort, registry: registry, logger: logger)
            services.append(.init(service: server))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await localWhisper?.shutdown()
            await store.close()
            throw error
        }
        await localWhisper?.shutdown()
        await store.close()
    }
}
