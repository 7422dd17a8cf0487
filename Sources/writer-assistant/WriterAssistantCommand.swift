import ArgumentParser

@main
struct WriterAssistantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writer-assistant",
        abstract: "Feedback on fiction from a local language model, streamed live.",
        version: "0.1.0",
        subcommands: [ServeCommand.self],
        defaultSubcommand: ServeCommand.self)
}
