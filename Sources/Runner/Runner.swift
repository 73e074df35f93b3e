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
            SpeakCommand.self,
            TranscribeCommand.self,
            UploadCommand.self,
        ])
}
