import ArgumentParser

@main
struct Runner: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runner", abstract: "Media pipeline runner.",
        subcommands: [
            SpeakCommand.self,
            TranscribeCommand.self,
        ])
}
