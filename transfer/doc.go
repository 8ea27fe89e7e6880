// Package transfer moves files between iwo and its partners: employers,
// the federal e-IWO portal, payroll providers, banks and the agency's own
// operations drop box.
//
// Jobs depend on the small [Remote] interface. Three things implement it:
//
//   - [Dial] connects to a partner over SFTP (golang.org/x/crypto/ssh and
//     github.com/pkg/sftp). The partner's host key must be pinned: a
//     [Partner] without one is refused, and there is no way to skip the
//     check.
//   - [OpenLocal] serves a local directory tree, for development and for
//     partners that drop files on a shared disk.
//   - [NewRetry] wraps either one and retries an operation with backoff,
//     reconnecting first, when the connection failed ([ErrConnection]).
//
// The rules every implementation keeps:
//
//   - Upload ([Remote.Put]) writes to a hidden temporary name and renames it
//     into place (posix-rename@openssh.com when the server offers it), so a
//     partner never picks up half a file. It never overwrites a different
//     file: an identical file already there counts as done, a different one
//     makes Put choose another name. The file gets the partner's
//     [Partner.UploadMode] ([DefaultUploadMode], 0600) before any byte is
//     written, whatever the server's default.
//   - Download ([Remote.Fetch]) streams the file into a staging directory
//     under a sanitised name, checks the byte count against the size the
//     server reported and computes the SHA-256, and leaves the remote file
//     alone. The caller records it in the ledger, applies it, and only then
//     calls [Finish] (archive or delete) or [Quarantine]. A failure of the
//     staging directory wraps [ErrLocal], never [ErrConnection]: it
//     concerns that file, not the partner.
//   - Temporary names are short (.iwo-<16 hex>.part) whatever the name, and
//     [AltName] never passes 255 bytes, so every name [SafeName] accepts
//     can be staged, uploaded and moved. [CleanResidue] removes such
//     temporary files, and only those, once older than [ResidueAge]: what
//     a crash left behind.
//   - [Remote.List] returns every regular file; [ListReady] sorts the ones
//     that match the patterns into ready, growing (size or time changed
//     across two looks) and refused (names unsafe as local paths), and
//     leaves dotfiles out.
//   - [Quarantine] moves nothing that changed since it was listed
//     ([ErrChanged]): an upload that paused for longer than the stability
//     wait is not the partner's file yet.
//   - Remote names are never used as local paths without [SafeName].
//
// [StartServer] runs an SFTP server in-process, rooted in a directory,
// for tests and for the demo.
package transfer
