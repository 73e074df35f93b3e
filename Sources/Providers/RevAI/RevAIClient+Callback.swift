import Foundation
import Logging

/// Where Rev.ai calls back for one submission (`notification_config.url`), and how the caller
/// learns that it did. The call only wakes the waiter: the job's state and transcript are read
/// from Rev.ai's API with the account's key, never taken from the call's body.
package protocol RevAICallback: Sendable {
    /// The notification URL, carrying an unguessable token of this submission alone.
    var url: String { get }
    /// Waits up to `timeout` for the call. - Returns: the job id and status it named, or nil.
    func wait(timeout: Duration) async throws -> (jobID: String, status: String)?
    /// The submission no longer waits (it finished, by the call or by polling).
    func close() async
}

extension RevAIClient {
    /// Waits for the job like `waitForCompletion(_:)`, but on `callback`: it polls only every
    /// `callbackPoll` (the fallback when no call comes), and a call saying `transcribed` ends
    /// the wait without a status request (the transcript fetch that follows proves it).
    /// - Returns: the job; after a call, only its id and status are known.
    /// - Throws: as `waitForCompletion(_:)`.
    package func waitForCompletion(_ id: String, callback: any RevAICallback) async throws -> RevJob {
        let deadline = ContinuousClock.now + configuration.jobTimeout
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                throw ProviderError(.transport, provider: "revai", code: "poll-timeout", message: "job \(id) still in progress after \(configuration.jobTimeout)")
            }
            let call: (jobID: String, status: String)?
            do { call = try await callback.wait(timeout: min(left, configuration.callbackPoll)) } catch is CancellationError {
                throw ProviderError(.cancelled, provider: "revai", message: "cancelled")
            }
            if let call, call.jobID == id, call.status == RevJob.Status.transcribed.rawValue {
                http.logger.info("rev.ai called back", metadata: ["provider": "revai", "job.id": "\(id)"])
                return RevJob(id: id, status: .transcribed)
            }
            // No call yet (or one saying `failed`, whose reason only the API gives): ask Rev.ai.
            let job = try await job(id)
            switch job.status {
            case .transcribed, .completed: return job
            case .failed: throw Self.failure(job)
            case .inProgress: if call != nil { return try await waitForCompletion(id) }  // a call that was wrong: poll as usual
            }
        }
    }
}

extension RevJob {
    init(id: String, status: Status) {
        self.id = id
        self.status = status
    }
}
