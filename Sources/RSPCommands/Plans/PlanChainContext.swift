// The chain side of `openrsp plan` and `openrsp entitlement` (issue 15 item 4), on the chain-cli
// foundation: `ChainOptions` (--rpc-url, --chain-id, --contracts, --confirmations), `AccountOptions`
// (--account, password) and the persisted `TransactionSubmitter` (a crash never sends twice).
import ArgumentParser
import EthereumCore
import EthereumRPC
import Foundation
import Settlement

/// The chain options plus `--plans` (a PlanEntitlements address overriding the deploy JSON).
struct PlanChainOptions: ParsableArguments {
    @OptionGroup var chain: ChainOptions

    @Option(name: .long, help: ArgumentHelp("PlanEntitlements address (overrides the deploy JSON).", valueName: "address"))
    var plans: String?

    /// Runs `body` with a connected `PlanChain` (`signer` set when the command transacts); always closes the connection.
    func with<T>(account: AccountOptions? = nil, _ body: (PlanChain) async throws -> T) async throws -> T {
        let home = DataDirectory.resolve()
        // Unlock first: a wrong password or missing account fails before the node is contacted.
        return try await with(signer: try account.map { try $0.signer(home: home) }, body)
    }

    /// As `with(account:)` with an already unlocked transaction signer (e.g. a gasless purchase's relayer).
    func with<T>(signer: (any TransactionSigner)?, _ body: (PlanChain) async throws -> T) async throws -> T {
        let home = DataDirectory.resolve()
        return try await chain.withConnection(home: home, signing: signer != nil) { connection in
            let plansContract = try connection.contract(PlanEntitlements.self, override: plans)
            let token: Contract<TestStablecoin>
            do { token = connection.chain.contract(TestStablecoin.self, at: try await plansContract.call(PlanEntitlements.TOKEN())) } catch {
                throw PlanCommandError.chain("PlanEntitlements \(plansContract.address) at \(connection.rpcURL) does not answer TOKEN(): \(error)")
            }
            let submitter = signer.map { TransactionSubmitter(connection: connection, signer: $0, home: home) }
            return try await body(PlanChain(connection: connection, plans: plansContract, token: token, submitter: submitter))
        }
    }
}

/// The connected contracts and, for commands that transact, the submitter.
struct PlanChain: Sendable {
    let connection: ChainConnection
    let plans: Contract<PlanEntitlements>
    let token: Contract<TestStablecoin>
    let submitter: TransactionSubmitter?

    var chain: Chain { connection.chain }

    /// The signing account's address.
    var signer: Address {
        get throws {
            guard let submitter else { throw PlanCommandError.input("this command signs: pass --account NAME|ADDRESS") }
            return submitter.signer.address
        }
    }

    /// A read; a revert is the typed refusal, anything else `PlanCommandError.rpc`.
    func call<B: ContractBinding, T>(_ contract: Contract<B>, _ call: ContractCall<T>, from: Address? = nil) async throws -> T {
        do { return try await contract.call(call, from: from) } catch { throw PlanCommandError.contract(error) }
    }

    /// A transaction by the account. It is first simulated (eth_call from the account), so a contract
    /// refusal gets its own code and nothing is signed; then the submitter estimates, signs, persists,
    /// broadcasts and waits for the confirmations. Returns the mined outcome (for its events).
    func send<B: ContractBinding, T>(_ contract: Contract<B>, _ call: ContractCall<T>, label: String) async throws -> TransactionOutcome {
        guard let submitter else { throw PlanCommandError.input("this command signs: pass --account NAME|ADDRESS") }
        _ = try await self.call(contract, call, from: submitter.signer.address)
        let sent = try await submitter.send(call, to: contract, label: label)
        let receipt: TransactionReceipt?
        do { receipt = try await connection.client.getTransactionReceipt(sent.hash) } catch {
            throw ChainCommandError.rpc(error, "\(label): reading the receipt of \(sent.hash.hex)")
        }
        guard let receipt else { throw ChainCommandError(.rpc, "\(label): no receipt for \(sent.hash.hex)") }
        return TransactionOutcome(receipt: receipt)
    }
}
