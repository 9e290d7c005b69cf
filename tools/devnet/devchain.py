"""The devnet's chain: eth-tester's PyEVMBackend plus instant mining, a journal and time travel.

State model (see README.md): the genesis is deterministic (fixed mnemonic, chain id, genesis
timestamp stored in genesis.json on first start). Every accepted raw transaction and every
time-travel / empty-block call is appended to journal.jsonl together with the block timestamp it
was mined at, and replayed on start, so addresses, balances, storage, block numbers, block
timestamps and block hashes survive a restart.
"""

import json
import os
import time

from eth_hash.auto import keccak
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.exceptions import BlockNotFound, TransactionNotFound
from eth.exceptions import Revert
from eth.vm.spoof import SpoofTransaction
from eth.vm.forks.prague import PragueVM  # noqa: F401  (the fork eth-tester configures)

CHAIN_ID = 1337                  # default; `devnet.py --chain-id` picks another (e.g. 31337)
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_HD_PATH = "m/44'/60'/0'/0"
DEV_ACCOUNT_COUNT = 10
DEV_BALANCE_WEI = 1_000_000 * 10**18
BLOB_TX_TYPE = 3


class ChainError(Exception):
    """An error the RPC layer reports as -32000 (execution / rejected transaction)."""

    def __init__(self, message, data=None):
        super().__init__(message)
        self.message = message
        self.data = data


def write_private_json(path, obj):
    """Writes JSON to `path` via a 0600 temp file and an atomic rename."""
    tmp = f"{path}.tmp.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def dev_accounts():
    """The funded dev accounts as (checksum address, 0x private key). DEVNET ONLY keys."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    out = []
    for i in range(DEV_ACCOUNT_COUNT):
        acct = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"{DEV_HD_PATH}/{i}")
        out.append((acct.address, "0x" + bytes(acct.key).hex()))
    return out


class DevChain:
    """One chain; not thread-safe (the server holds a lock around every call)."""

    def __init__(self, state_dir, clock=time.time, chain_id=CHAIN_ID):
        self.state_dir = state_dir
        self.chain_id = chain_id
        self.clock = clock
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        self.genesis_path = os.path.join(state_dir, "genesis.json")
        self.journal_path = os.path.join(state_dir, "journal.jsonl")
        self.genesis = self._load_or_create_genesis()
        overrides = {"timestamp": self.genesis["timestamp"]}
        self.backend = PyEVMBackend.from_mnemonic(
            DEV_MNEMONIC,
            num_accounts=DEV_ACCOUNT_COUNT,
            hd_path=DEV_HD_PATH,
            genesis_parameters=PyEVMBackend.generate_genesis_params(overrides=overrides),
            genesis_state_overrides={"balance": DEV_BALANCE_WEI},
        )
        # The class is created per chain by eth-tester; its default id is 131277322940537.
        type(self.backend.chain).chain_id = self.chain_id
        self.tester = EthereumTester(self.backend, auto_mine_transactions=False)
        self.time_offset = 0
        self.next_timestamp = None
        self.snapshots = {}
        self.snapshot_counter = 0
        self.journal = []
        self.replayed = self._replay()

    # -- persistence ---------------------------------------------------------------------
    def _load_or_create_genesis(self):
        if os.path.exists(self.genesis_path):
            with open(self.genesis_path) as f:
                genesis = json.load(f)
            if genesis.get("chainId") != self.chain_id or genesis.get("mnemonic") != DEV_MNEMONIC:
                raise RuntimeError(f"{self.genesis_path} was written for another devnet setup")
            return genesis
        genesis = {"chainId": self.chain_id, "mnemonic": DEV_MNEMONIC, "timestamp": int(self.clock())}
        write_private_json(self.genesis_path, genesis)
        return genesis

    def _replay(self):
        if not os.path.exists(self.journal_path):
            return 0
        with open(self.journal_path) as f:
            entries = [json.loads(line) for line in f if line.strip()]
        for entry in entries:
            self._apply_entry(entry)
            self.journal.append(entry)
        return len(entries)

    def _apply_entry(self, entry):
        kind = entry["kind"]
        if kind == "tx":
            self._include(bytes.fromhex(entry["raw"][2:]), entry["timestamp"])
        elif kind == "mine":
            self._mine(entry["timestamp"])
        elif kind == "time":
            pass
        else:
            raise RuntimeError(f"unknown journal entry kind {kind!r}")
        self.time_offset = entry.get("offset", self.time_offset)
        self.next_timestamp = entry.get("next")

    def _record(self, entry):
        entry["offset"] = self.time_offset
        entry["next"] = self.next_timestamp
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        self.journal.append(entry)

    def _rewrite_journal(self):
        tmp = f"{self.journal_path}.tmp.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            for entry in self.journal:
                f.write(json.dumps(entry, separators=(",", ":")) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.journal_path)

    # -- mining --------------------------------------------------------------------------
    @property
    def chain(self):
        return self.backend.chain

    def latest_header(self):
        head = self.chain.get_block().number - 1  # chain.get_block() is the pending block
        return self.chain.get_canonical_block_header_by_number(head)

    def _upcoming_timestamp(self):
        parent = self.latest_header().timestamp
        if self.next_timestamp is not None:
            return max(self.next_timestamp, parent + 1)
        return max(parent + 1, int(self.clock()) + self.time_offset)

    def _mine(self, timestamp):
        chain = self.chain
        chain.header = chain.header.copy(timestamp=timestamp)
        number = chain.header.block_number
        mix_hash = keccak(b"openrsp-devnet/mix_hash/" + number.to_bytes(8, "big"))
        return chain.mine_block(mix_hash=mix_hash, blob_gas_used=0)

    def _include(self, raw, timestamp):
        chain = self.chain
        chain.header = chain.header.copy(timestamp=timestamp)
        tx = chain.get_vm().get_transaction_builder().decode(raw)
        chain.apply_transaction(tx)
        self._mine(timestamp)
        return tx.hash

    # -- writes ----------------------------------------------------------------------------
    def send_raw_transaction(self, raw):
        """Validates, includes and mines `raw` in its own block; returns the tx hash."""
        if not raw:
            raise ChainError("empty transaction")
        if raw[0] == BLOB_TX_TYPE:
            raise ChainError("blob transactions (type 3) are not supported by the devnet")
        try:
            tx = self.chain.get_vm().get_transaction_builder().decode(raw)
        except Exception as exc:  # rlp / type decoding
            raise ChainError(f"invalid transaction encoding: {exc}") from None
        if self._is_mined(tx.hash):
            raise ChainError("already known")
        tx_chain_id = getattr(tx, "chain_id", None)
        if tx_chain_id is not None and tx_chain_id != self.chain_id:
            raise ChainError(f"invalid chain id {tx_chain_id}, want {self.chain_id}")
        try:
            sender = tx.sender
        except Exception as exc:
            raise ChainError(f"invalid sender: {exc}") from None
        nonce = self.chain.get_vm().state.get_nonce(sender)
        if tx.nonce < nonce:
            raise ChainError(f"nonce too low: address 0x{sender.hex()}, tx: {tx.nonce} state: {nonce}")
        if tx.nonce > nonce:
            raise ChainError(
                f"nonce too high: address 0x{sender.hex()}, tx: {tx.nonce} state: {nonce} "
                "(the devnet mines instantly and keeps no queue)")
        timestamp = self._upcoming_timestamp()
        try:
            tx_hash = self._include(raw, timestamp)
        except Exception as exc:
            # apply_transaction validates before touching state; reset the pending header.
            self.chain.header = self.chain.create_header_from_parent(self.latest_header())
            raise ChainError(str(exc) or type(exc).__name__) from None
        self.next_timestamp = None
        self._record({"kind": "tx", "raw": "0x" + raw.hex(), "timestamp": timestamp})
        return tx_hash

    def mine(self, timestamp=None):
        if timestamp is not None:
            if timestamp <= self.latest_header().timestamp:
                raise ChainError("timestamp must be after the latest block's")
            self.time_offset = max(self.time_offset, timestamp - int(self.clock()))
        else:
            timestamp = self._upcoming_timestamp()
        self._mine(timestamp)
        self.next_timestamp = None
        self._record({"kind": "mine", "timestamp": timestamp})
        return timestamp

    def increase_time(self, seconds):
        self.time_offset += seconds
        if self.next_timestamp is not None:
            self.next_timestamp += seconds
        self._record({"kind": "time"})
        return self.time_offset

    def set_next_block_timestamp(self, timestamp):
        if timestamp <= self.latest_header().timestamp:
            raise ChainError("timestamp must be after the latest block's")
        self.next_timestamp = timestamp
        self.time_offset = max(self.time_offset, timestamp - int(self.clock()))
        self._record({"kind": "time"})

    def snapshot(self):
        self.snapshot_counter += 1
        self.snapshots[self.snapshot_counter] = (
            self.backend.take_snapshot(), len(self.journal), self.time_offset, self.next_timestamp)
        return self.snapshot_counter

    def revert(self, snapshot_id):
        saved = self.snapshots.get(snapshot_id)
        if saved is None:
            return False
        block_hash, journal_len, offset, next_ts = saved
        self.backend.revert_to_snapshot(block_hash)
        for sid in [s for s in self.snapshots if s >= snapshot_id]:
            del self.snapshots[sid]
        del self.journal[journal_len:]
        self.time_offset, self.next_timestamp = offset, next_ts
        self._rewrite_journal()
        return True

    # -- reads -----------------------------------------------------------------------------
    def _is_mined(self, tx_hash):
        try:
            self.tester.get_transaction_by_hash("0x" + tx_hash.hex())
            return True
        except TransactionNotFound:
            return False

    def block_number(self):
        return self.latest_header().block_number

    def base_fee_next(self):
        return self.chain.header.base_fee_per_gas

    def resolve_block(self, tag):
        """Maps a block tag or number to a canonical block number; raises BlockNotFound."""
        latest = self.block_number()
        if tag in ("latest", "safe", "finalized", "pending"):
            return latest
        if tag == "earliest":
            return 0
        if tag > latest:
            raise BlockNotFound(f"block {tag} not found")
        return tag

    def call(self, tx, tag):
        """Executes `tx` (eth-tester inbound form) on top of block `tag`.

        Returns (ok, output, failure): output is the return data or the revert data;
        failure is None for success and for a REVERT, else a description of the halt.
        """
        number = self.resolve_block(tag)
        defaulted = dict(tx)
        if "gas" not in defaulted:
            defaulted["gas"] = self.chain.header.gas_limit
        # py-evm's costless execution needs a legacy-shaped transaction; the fee does not matter
        # because the costless state has base fee 0 and charges nothing.
        fee = defaulted.pop("max_fee_per_gas", None)
        defaulted.pop("max_priority_fee_per_gas", None)
        defaulted.setdefault("gas_price", fee or 0)
        self.tester.validator.validate_inbound_transaction(defaulted, txn_internal_type="call")
        raw_tx = self.tester.normalizer.normalize_inbound_transaction(defaulted)
        unsigned = self.backend._get_normalized_and_unsigned_evm_transaction(raw_tx, number)
        spoofed = SpoofTransaction(unsigned, from_=raw_tx["from"])
        header = self.chain.get_canonical_block_header_by_number(number)
        # A costless state on top of block `number`: no fee is charged, as geth does for calls.
        with self.chain.get_vm(header).in_costless_state() as state:
            computation = state.costless_execute_transaction(spoofed)
        if computation.is_error:
            if isinstance(computation.error, Revert):
                return False, computation.output, None
            return False, computation.output, f"execution failed: {type(computation.error).__name__}"
        return True, computation.output, None
