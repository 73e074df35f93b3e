import ArgumentParser

@main
struct Runner: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runner", abstract: "Media pipeline runner.",
        subcommands: [
            MigrateCommand.self,
            EnqueueCommand.self,
            WorkerCommand.self,
            StatusCommand.self,
            EventsCommand.self,
            CancelCommand.self,
            RetryCommand.self,
            JobsCommand.self,
        ])
}
