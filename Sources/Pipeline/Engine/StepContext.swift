import Basics
import Foundation
import Logging

/// What a step sees: the job, its input, the outputs of finished steps, and ways to report
/// progress and record assets (both fenced: they fail once the worker lost the job).
public struct StepContext: Sendable {
    public let jobID: UUID
    public let workflow: String
    /// The step's name (`name/index` inside a fan-out).
    public let step: String
    /// 1 for the job's first run, 2 for its first retry, …
    public let attempt: Int
    public let input: JSON
    public let logger: Logger
    let outputs: [String: JSON]
    let lease: Lease
    let store: any JobStore
    let progress: ProgressTracker

    /// The persisted output of a finished step, or nil.
    public func output(of step: String) -> JSON? { outputs[step] }

    /// Reports how far the step is, 0…1. Stored at most a few times a second.
    public func reportProgress(_ fraction: Double) async {
        guard let progress = progress.update(step: step, fraction: fraction) else { return }
        try? await store.reportProgress(lease, progress: progress)
    }

    /// Records a file this step produced.
    /// - Throws: `StoreError` (lease lost, database).
    public func recordAsset(kind: String, uri: String, bytes: Int64, sha256: String, contentType: String,
                            meta: JSON = .emptyObject) async throws {
        let asset = Asset(jobID: jobID, step: step, kind: kind, uri: uri, bytes: bytes, sha256: sha256,
                          contentType: contentType, meta: meta)
        try await store.recordAsset(lease, asset)
    }
}

/// Keeps a job's progress: whole steps done out of the total, plus fractions inside running steps.
final class ProgressTracker: Sendable {
    private struct State {
        var done: Int
        var partial: [String: Double] = [:]
        var lastReport = ContinuousClock.now - .seconds(10)
    }
    let total: Int
    private let state: Locked<State>

    init(total: Int, done: Int) {
        self.total = max(total, 1)
        state = Locked(State(done: done))
    }

    /// Marks a top-level step done. - Returns: the progress to store.
    func stepDone(_ step: String) -> Progress {
        state.withLock { state in
            state.done += 1
            state.partial[step] = nil
            return snapshot(state)
        }
    }

    /// - Returns: the progress to store, or nil when the last report was too recent.
    func update(step: String, fraction: Double) -> Progress? {
        state.withLock { state in
            let top = String(step.split(separator: "/").first ?? Substring(step))
            state.partial[top] = min(max(fraction, 0), 1)
            let now = ContinuousClock.now
            guard now - state.lastReport > .milliseconds(200) else { return nil }
            state.lastReport = now
            return snapshot(state)
        }
    }

    func current() -> Progress { state.withLock { snapshot($0) } }

    private func snapshot(_ state: State) -> Progress {
        let partial = state.partial.values.reduce(0, +)
        return Progress(stepsDone: state.done, stepsTotal: total,
                        fraction: (Double(state.done) + partial) / Double(total))
    }
}
