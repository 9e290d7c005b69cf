// Where a keystore password comes from: a file, an environment variable, or a prompt on the
// terminal without echo. Never a flag value (it would land in shell history and `ps`).
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--password-file F`, `--password-env NAME`; otherwise a no-echo prompt on /dev/tty.
struct PasswordOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("File whose first line is the keystore password.", valueName: "file"))
    var passwordFile: String?

    @Option(name: .long, help: ArgumentHelp("Environment variable holding the keystore password.", valueName: "name"))
    var passwordEnv: String?

    init() {}

    /// The password; `confirm` asks twice on a terminal (new keystores).
    func password(prompt: String, confirm: Bool = false) throws(ChainCommandError) -> String {
        try Self.password(file: passwordFile, env: passwordEnv, prompt: prompt, confirm: confirm)
    }

    /// The password from `file`, else the environment variable `env`, else a prompt; `options` names
    /// the two flags in the refusal (e.g. `--relayer-password-file`/`--relayer-password-env`).
    static func password(file passwordFile: String?, env passwordEnv: String?, prompt: String, confirm: Bool = false,
                         options: String = "--password-file or --password-env") throws(ChainCommandError) -> String {
        if passwordFile != nil, passwordEnv != nil {
            throw ChainCommandError(.invalidArgument, "give either \(options), not both")
        }
        if let passwordFile {
            guard let data = FileManager.default.contents(atPath: passwordFile) else {
                throw ChainCommandError(.noPassword, "cannot read the password file \(passwordFile)")
            }
            let text = String(decoding: data, as: UTF8.self)
            let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            return line.hasSuffix("\r") ? String(line.dropLast()) : line
        }
        if let passwordEnv {
            guard let value = ProcessInfo.processInfo.environment[passwordEnv] else {
                throw ChainCommandError(.noPassword, "environment variable \(passwordEnv) is not set")
            }
            return value
        }
        let first = try Self.prompt(prompt)
        if confirm, try Self.prompt("Repeat the password: ") != first {
            throw ChainCommandError(.noPassword, "the two passwords differ")
        }
        return first
    }

    /// Reads one line from the controlling terminal with echo off.
    static func prompt(_ text: String) throws(ChainCommandError) -> String {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard fd >= 0 else {
            throw ChainCommandError(.noPassword, "no terminal to ask for the password: use --password-file or --password-env")
        }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else {
            throw ChainCommandError(.noPassword, "cannot configure the terminal: use --password-file or --password-env")
        }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        _ = tcsetattr(fd, TCSAFLUSH, &quiet)
        defer {
            _ = tcsetattr(fd, TCSAFLUSH, &saved)
            _ = write(fd, "\n", 1)
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1, byte != 0x0A {
            if byte != 0x0D { bytes.append(byte) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
