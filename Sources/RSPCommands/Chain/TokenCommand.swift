// `openrsp token balance|transfer|mint`: the payment token of the deployment ("Token" in the deploy
// JSON; TestStablecoin on devnets). Amounts are in the token's smallest unit (6 decimals).
import ArgumentParser
import EthereumCore
import Foundation
import Settlement

public struct TokenCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "The payment token: balances, transfers, and the devnet faucet (TestStablecoin mint).",
        discussion: """
            The token is "Token" of the deploy JSON (--contracts, default $OPENRSP_HOME/contracts.json) or --token. \
            Amounts are base units: 1000000 = 1 tUSD (6 decimals). mint works only on devnet chain ids and only \
            for the minter (the deployer of TestStablecoin).
            """,
        subcommands: [TokenBalanceCommand.self, TokenTransferCommand.self, TokenMintCommand.self]
    )

    public init() {}
}

/// `--token ADDRESS` and the chain options.
struct TokenOptions: ParsableArguments {
    @OptionGroup var chain: ChainOptions
    @Option(name: .long, help: ArgumentHelp("Token address (default: Token of the deploy JSON).", valueName: "address"))
    var token: String?

    func withToken<T>(home: DataDirectory, signing: Bool,
                      _ body: (Contract<TestStablecoin>, ChainConnection) async throws -> T) async throws -> T {
        try await chain.withConnection(home: home, signing: signing) { connection in
            try await body(try connection.contract(TestStablecoin.self, name: "Token", override: token), connection)
        }
    }
}

/// A token amount in base units, as JSON strings (decimal) and for people (tUSD with 6 decimals).
func tokenAmount(_ text: String, _ flag: String) throws(ChainCommandError) -> UInt256 {
    do { return try UInt256(decimal: text) } catch { throw ChainCommandError(.invalidArgument, "\(flag) \(text): not a decimal amount in base units") }
}

func tokenBalance(_ token: Contract<TestStablecoin>, _ owner: Address) async throws(ChainCommandError) -> UInt256 {
    do { return try await token.call(TestStablecoin.balanceOf(owner)) } catch {
        throw ChainCommandError(.rpc, "balanceOf(\(owner)) on \(token.address): \(error)")
    }
}

struct TokenBalanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance", abstract: "Token balance of ADDRESS, or of --account (no password needed).")
    @Argument(help: "The address (default: the --account's).") var address: String?
    @Option(name: .long, help: ArgumentHelp("A keystore name or address in $OPENRSP_HOME/keystore.", valueName: "name|address"))
    var account: String?
    @OptionGroup var options: TokenOptions
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let token: String
        let address: String
        let balance: String
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let owner: Address
            switch (address, account) {
            case (let text?, nil): owner = try parseAddress(text, "ADDRESS")
            case (nil, let name?): owner = try AccountStore(home: home).find(name).address
            default: throw ChainCommandError(.invalidArgument, "give exactly one of ADDRESS, --account")
            }
            let document = try await options.withToken(home: home, signing: false) { token, _ in
                Document(token: token.address.checksummed, address: owner.checksummed, balance: try await tokenBalance(token, owner).description)
            }
            try output.emit(document) { "\(document.address): \(DemoSummary.tokens(document.balance)) (\(document.balance) base units)" }
        }
    }
}

/// The result of a token transaction: who, to whom, how much, the balances after.
struct TokenTransactionDocument: Encodable {
    let token: String
    let from: String
    let to: String
    let amount: String
    let balanceAfter: String
    let transaction: SubmittedTransaction
}

struct TokenTransferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer", abstract: "Send --amount base units of the token from --account to ADDRESS.")
    @Argument(help: "Receiving address.") var to: String
    @Option(name: .long, help: ArgumentHelp("Amount in base units (1000000 = 1 tUSD).", valueName: "amount")) var amount: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: TokenOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let receiver = try parseAddress(to, "ADDRESS")
            let value = try tokenAmount(amount, "--amount")
            let signer = try account.signer(home: home)
            let document = try await options.withToken(home: home, signing: true) { token, connection in
                // Checked before signing: a short balance is its own code, and nothing is sent.
                let balance = try await tokenBalance(token, signer.address)
                guard balance >= value else {
                    throw ChainCommandError(.tokenInsufficientBalance, "\(signer.address) holds \(balance) base units, below --amount \(value)")
                }
                let sent = try await TransactionSubmitter(connection: connection, signer: signer, home: home)
                    .send(TestStablecoin.transfer(receiver: receiver, amount: value), to: token, label: "token transfer \(value) to \(receiver)")
                return TokenTransactionDocument(token: token.address.checksummed, from: signer.address.checksummed, to: receiver.checksummed,
                                                amount: value.description, balanceAfter: try await tokenBalance(token, signer.address).description,
                                                transaction: sent)
            }
            try output.emit(document) { document.transaction.human }
        }
    }
}

struct TokenMintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mint", abstract: "Devnet faucet: mint --amount base units of TestStablecoin to ADDRESS (minter only, devnet chain ids only).")
    @Argument(help: "Receiving address.") var to: String
    @Option(name: .long, help: ArgumentHelp("Amount in base units (1000000 = 1 tUSD).", valueName: "amount")) var amount: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: TokenOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let receiver = try parseAddress(to, "ADDRESS")
            let value = try tokenAmount(amount, "--amount")
            let signer = try account.signer(home: home)
            let document = try await options.withToken(home: home, signing: true) { token, connection in
                guard ContractsDeployment.devnetChainIds.contains(connection.chainId) else {
                    throw ChainCommandError(.mintNotDevnet, "chain id \(connection.chainId) is not a devnet "
                        + "(\(ContractsDeployment.devnetChainIds.sorted())): test tokens cannot be minted here")
                }
                let minter: Address
                do { minter = try await token.call(TestStablecoin.minter()) } catch {
                    throw ChainCommandError(.rpc, "minter() on \(token.address): \(error) (is it a TestStablecoin?)")
                }
                guard minter == signer.address else {
                    throw ChainCommandError(.notMinter, "\(signer.address) is not the minter of \(token.address) (\(minter))")
                }
                let sent = try await TransactionSubmitter(connection: connection, signer: signer, home: home)
                    .send(TestStablecoin.mint(receiver: receiver, amount: value), to: token, label: "token mint \(value) to \(receiver)")
                return TokenTransactionDocument(token: token.address.checksummed, from: signer.address.checksummed, to: receiver.checksummed,
                                                amount: value.description, balanceAfter: try await tokenBalance(token, receiver).description,
                                                transaction: sent)
            }
            try output.emit(document) { document.transaction.human }
        }
    }
}
