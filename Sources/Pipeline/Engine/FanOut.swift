import Foundation

/// Runs a fan-out step's items, at most `concurrency` at once (fill the group to the limit, then
/// one new item per finished one), each persisted as sub-step `name/i`; the join is the array of
/// outputs in item order.
struct FanOut {
    let store: any JobStore
    let context: StepContext
    let index: Int

    func run(concurrency: Int, items: Step.Items, each: @escaping Step.Each) async throws -> JSON {
        let list = try await items(context)
        let lease = context.lease
        let parent = context.step
        let finished = try await StoreRetry.run { try await store.steps(of: lease.jobID) }
        var outputs = [JSON?](repeating: nil, count: list.count)
        for record in finished where record.status == .succeeded && record.name.hasPrefix(parent + "/") {
            if let i = Int(record.name.dropFirst(parent.count + 1)), i < list.count {
                outputs[i] = JSON(unchecked: record.output ?? "null")
            }
        }
        var todo = outputs.indices.filter { outputs[$0] == nil }.makeIterator()
        var doneCount = outputs.compactMap { $0 }.count
        try await withThrowingTaskGroup(of: (Int, JSON).self) { group in
            var running = 0
            func startNext() {
                guard let i = todo.next() else { return }
                let name = "\(parent)/\(i)"
                let itemContext = StepContext(jobID: context.jobID, workflow: context.workflow, step: name,
                                          attempt: context.attempt, input: context.input, logger: context.logger,
                                          outputs: context.outputs, lease: lease, store: store, progress: context.progress)
                let item = list[i]
                let store = self.store
                let index = self.index
                group.addTask {
                    try await StoreRetry.run { try await store.startStep(lease, name: name, index: index) }
                    let output = try await each(itemContext, i, item)
                    try await StoreRetry.run {
                        try await store.completeStep(lease, name: name, output: output,
                                                     progress: itemContext.progress.current())
                    }
                    return (i, output)
                }
                running += 1
            }
            while running < concurrency {
                let before = running
                startNext()
                if running == before { break }
            }
            while running > 0 {
                guard let (i, output) = try await group.next() else { break }
                running -= 1
                outputs[i] = output
                doneCount += 1
                await context.reportProgress(Double(doneCount) / Double(max(list.count, 1)))
                startNext()
            }
        }
        let joined = "[" + outputs.map { $0?.text ?? "null" }.joined(separator: ",") + "]"
        return JSON(unchecked: joined)
    }
}
