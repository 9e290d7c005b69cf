// RSPCrypto: SGP.22 cryptography: ECDSA P-256, ECKA, X9.63 KDF, SCP03t, certificate-chain policy, PKI.
