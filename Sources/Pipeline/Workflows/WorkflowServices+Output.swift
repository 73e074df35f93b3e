import Foundation
import Logging
import Providers

extension WorkflowServices {
    /// Services writing to `output`: `s3://BUCKET/PREFIX` (credentials and endpoint from the
    /// `AWS_*` variables, `endpoint` overriding `AWS_ENDPOINT_URL`) or a local folder (created).
    /// `runner process` and a `runner worker` that runs the media workflows build theirs this way:
    ///
    /// ```swift
    /// var registry = WorkflowRegistry.builtIn
    /// registry.registerMediaWorkflows(try WorkflowServices.forOutput(out, logger: logger).services)
    /// ```
    /// - Returns: the services and, for a local folder, its standardised path.
    /// - Throws: `ProviderError` (missing AWS keys), `StorageError` (bad bucket or folder).
    package static func forOutput(_ output: String, endpoint: String? = nil, logger: Logger,
                                  speechConcurrency: Int = 8) throws -> (services: WorkflowServices, localRoot: String?) {
        let speech = SpeechEngines(maxConcurrent: speechConcurrency)
        if let location = try S3Location(parsing: output) {
            let configuration = try S3Configuration.fromEnvironment(endpoint: endpoint)
            let storage = S3Storage(configuration: configuration, bucket: location.bucket, prefix: location.prefix, logger: logger)
            return (WorkflowServices(storage: storage, logger: logger, speech: speech), nil)
        }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: output).standardizedFileURL.path
        return (WorkflowServices(storage: try LocalStorage(root: root), logger: logger, speech: speech), root)
    }
}
