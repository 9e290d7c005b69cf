import CZlib

/// DEFLATE in the ZLIB format (RFC 1950/1951) through the system zlib, as IETF Token Status Lists carry
/// their byte arrays. Inflation stops at a caller-given size: a status list is a stranger's input, and a few
/// hundred compressed bytes can inflate to gigabytes.
public enum ZlibError: Error, Equatable, Sendable {
    /// Not a complete, valid ZLIB stream.
    case malformed
    /// The inflated data would exceed the limit.
    case tooLarge(limit: Int)
}

enum Zlib {
    /// Compresses at level 9 (the status list draft's recommendation), ZLIB header and Adler-32 included.
    static func compress(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        guard czlib_deflate_init(&stream, 9) == Z_OK else { preconditionFailure("zlib: deflateInit failed (out of memory)") }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))))
        var input = input
        let status = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        // deflateBound is an upper bound for a single Z_FINISH call, so the stream always ends here.
        precondition(status == Z_STREAM_END, "zlib: deflate did not finish within deflateBound")
        return Array(output.prefix(Int(stream.total_out)))
    }

    /// Inflates one complete ZLIB stream of at most `limit` bytes; trailing bytes after the stream are refused.
    static func decompress(_ input: [UInt8], limit: Int) throws(ZlibError) -> [UInt8] {
        var stream = z_stream()
        guard czlib_inflate_init(&stream) == Z_OK else { preconditionFailure("zlib: inflateInit failed (out of memory)") }
        defer { inflateEnd(&stream) }
        var input = input
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let total = input.count
        var status: Int32 = Z_OK
        try input.withUnsafeMutableBufferPointer { (source) throws(ZlibError) in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            while status == Z_OK {
                let produced = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return target.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END else { throw .malformed }
                guard output.count + produced <= limit else { throw .tooLarge(limit: limit) }
                output += chunk.prefix(produced)
                // No progress with input left means a truncated stream.
                if status == Z_OK && produced == 0 && stream.avail_in == 0 { throw .malformed }
            }
        }
        guard Int(stream.total_in) == total else { throw .malformed }
        return output
    }
}
