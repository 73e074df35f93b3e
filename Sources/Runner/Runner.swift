import ArgumentParser

@main
struct Runner: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runner",
        abstract: "Media pipeline: probe, chunk, speak, transcribe, upload, and run workflows on a job queue.",
        subcommands: [
            ProbeCommand.self,
            ChunkCommand.self,
            BenchCommand.self,
            MigrateCommand.self,
            EnqueueCommand.self,
            WorkerCommand.self,
            StatusCommand.self,
            EventsCommand.self,
            CancelCommand.self,
            RetryCommand.self,
            PruneCommand.self,
            JobsCommand.self,
            SpeakCommand.self,
            TranscribeCommand.self,
            HTTPLoadCommand.self,
            UploadCommand.self,
            ProcessCommand.self,
            LoudnessCommand.self,
            ServeCommand.self,
            KeysCommand.self,
            SchedulesCommand.self,
            HooksCommand.self,
            WebhooksCommand.self,
        ])
}
