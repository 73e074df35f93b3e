import Foundation
import Logging
import Metrics

/// Runs one claimed job's workflow: plans its steps, skips those already finished, runs the
/// rest in dependency order (at most `maxParallelSteps` at once), persisting each output.
struct JobExecutor: Sendable {
    let store: any JobStore
    let registry: WorkflowRegistry
    let logger: Logger

    /// What running a job gave: its output (the last step's) and whether the job was already
    /// marked succeeded together with its last step (then there is nothing left to write).
    struct Outcome: Sendable {
        let output: JSON
        let jobCompleted: Bool
    }

    /// - Throws: the failing step's error wrapped in `StepError`, `StoreError`, or `CancellationError`.
    func execute(_ job: ClaimedJob) async throws -> Outcome {
        guard let workflow = registry[job.workflow] else {
            throw StepError(step: nil, underlying: StepFailure(
                code: "unknown_workflow", message: "no workflow named \(job.workflow)", retryable: false))
        }
        let plan: [Step]
        do {
            plan = try workflow.steps(for: job.input)
            try Self.validate(plan)
        } catch {
            throw StepError(step: nil, underlying: StepFailure(
                code: "invalid_plan", message: String(describing: error), retryable: false))
        }
        // A job without steps: nothing to run or record; its completion is the only write.
        if plan.isEmpty { return Outcome(output: .emptyObject, jobCompleted: false) }
        let finished = job.hasSteps ? try await StoreRetry.run { try await store.steps(of: job.lease.jobID) } : []
        var outputs: [String: JSON] = [:]
        for record in finished where record.status == .succeeded {
            outputs[record.name] = JSON(unchecked: record.output ?? "null")
        }
        let doneCount = plan.filter { outputs[$0.name] != nil }.count
        let tracker = ProgressTracker(total: plan.count, done: doneCount)
        if plan.count > 1, !job.hasSteps {
            // A multi-step job shows 0/N from its start, not 0/0 until its first step ends.
            try? await store.reportProgress(job.lease, progress: tracker.current())
        }
        let dependencies = Self.dependencies(plan)
        var pending = Array(plan.enumerated()).filter { outputs[$0.element.name] == nil }
        let limit = max(1, workflow.maxParallelSteps)

        let lastName = plan.last?.name
        var completedWithLastStep = false
        try await withThrowingTaskGroup(of: (String, JSON).self) { group in
            var running = 0
            while !pending.isEmpty || running > 0 {
                try Task.checkCancellation()
                while running < limit,
                      let next = pending.firstIndex(where: { dependencies[$0.element.name]!.allSatisfy { outputs[$0] != nil } }) {
                    let (index, step) = pending.remove(at: next)
                    let context = makeContext(job, step: step.name, outputs: outputs, tracker: tracker)
                    // The very last step to run also finishes the job, in the same transaction.
                    let finishes = pending.isEmpty && running == 0 && step.name == lastName
                    completedWithLastStep = completedWithLastStep || finishes
                    group.addTask { (step.name, try await run(step, index: index, context: context, finishesJob: finishes)) }
                    running += 1
                }
                guard running > 0 else {
                    throw StepError(step: nil, underlying: StepFailure(
                        code: "invalid_plan", message: "steps wait on each other", retryable: false))
                }
                guard let (name, output) = try await group.next() else { break }
                running -= 1
                outputs[name] = output
            }
        }
        return Outcome(output: plan.last.flatMap { outputs[$0.name] } ?? .null, jobCompleted: completedWithLastStep)
    }

    private func makeContext(_ job: ClaimedJob, step: String, outputs: [String: JSON], tracker: ProgressTracker) -> StepContext {
        var logger = self.logger
        logger[metadataKey: "job.id"] = "\(job.lease.jobID.uuidString.lowercased())"
        logger[metadataKey: "step"] = "\(step)"
        return StepContext(jobID: job.lease.jobID, workflow: job.workflow, step: step, attempt: job.attempt,
                           input: job.input, logger: logger, outputs: outputs, lease: job.lease, store: store,
                           progress: tracker)
    }

    private func run(_ step: Step, index: Int, context: StepContext, finishesJob: Bool) async throws -> JSON {
        let lease = context.lease
        try await StoreRetry.run { try await store.startStep(lease, name: step.name, index: index) }
        let started = ContinuousClock.now
        let output: JSON
        do {
            switch step.kind {
            case .single(let body):
                output = try await body(context)
            case .fanOut(let concurrency, let items, let each):
                output = try await FanOut(store: store, context: context, index: index)
                    .run(concurrency: concurrency, items: items, each: each)
            }
        } catch {
            if !(error is CancellationError), !Task.isCancelled {
                let failure = StepError(step: step.name, underlying: error)
                try? await StoreRetry.run { try await store.failStep(lease, name: step.name, error: failure.json) }
                throw failure
            }
            throw error
        }
        Timer(label: "runner_step_duration_seconds", dimensions: [("workflow", context.workflow), ("step", step.name)])
            .recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        let progress = context.progress.stepDone(step.name)
        try await StoreRetry.run {
            try await store.completeStep(lease, name: step.name, output: output, progress: progress,
                                         jobOutput: finishesJob ? output : nil)
        }
        return output
    }

    static func validate(_ plan: [Step]) throws {
        var seen = Set<String>()
        for step in plan {
            guard !step.name.isEmpty, !step.name.contains("/"), seen.insert(step.name).inserted else {
                throw StepFailure(code: "invalid_plan", message: "step names must be unique, non-empty, without '/'")
            }
        }
        for step in plan {
            for dependency in step.after ?? [] where !seen.contains(dependency) {
                throw StepFailure(code: "invalid_plan", message: "step \(step.name) waits on unknown step \(dependency)")
            }
        }
    }

    static func dependencies(_ plan: [Step]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for (index, step) in plan.enumerated() {
            result[step.name] = step.after ?? (index > 0 ? [plan[index - 1].name] : [])
        }
        return result
    }
}

/// The error of a failed step, with the step's name; `json` is what the store keeps.
struct StepError: Error, CustomStringConvertible {
    let step: String?
    let underlying: any Error

    var failure: StepFailure {
        if let failure = underlying as? StepFailure { return failure }
        if let nested = underlying as? StepError { return nested.failure }
        return StepFailure(code: "step_failed", message: String(describing: underlying))
    }
    var stepName: String? { (underlying as? StepError)?.stepName ?? step }
    var json: JSON { jsonObject(["code": failure.code, "message": failure.message, "step": stepName]) }
    var description: String { "\(stepName ?? "job"): \(failure)" }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
