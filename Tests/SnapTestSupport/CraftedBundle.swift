import Foundation

/// Hand-made `.tar.zst` bundles for hostile-input tests, written by Python's tarfile, which
/// writes whatever names, kinds and sizes it is given.
package enum CraftedBundle {
    /// Runs `script` with `t` (an open tarfile) and `add(name, data=b'evil', **attributes)`
    /// in scope, then compresses the archive to `path`. Names may carry any byte through
    /// surrogate escapes (`'bad\udcff'` is the byte 0xFF).
    package static func write(_ path: String, _ script: String) throws {
        let python = """
            import io, tarfile
            t = tarfile.open('\(path).tar', 'w', format=tarfile.PAX_FORMAT, encoding='utf-8', errors='surrogateescape')
            def add(name, data=b'evil', **kw):
                info = tarfile.TarInfo(name)
                for k, v in kw.items(): setattr(info, k, v)
                info.size = len(data) if info.type == tarfile.REGTYPE else 0
                t.addfile(info, io.BytesIO(data) if info.type == tarfile.REGTYPE else None)
            \(script)
            t.close()
            """
        let result = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", python])
        guard result.status == 0 else { throw FixtureError(message: result.stderr) }
        let zstd = try ProcessRunner.shell("zstd -q -f --rm '\(path).tar' -o '\(path)'")
        guard zstd.status == 0 else { throw FixtureError(message: zstd.stderr) }
    }
}
