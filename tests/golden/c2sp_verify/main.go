// Command c2sp_verify is glue between the registry's tests and Go's golang.org/x/mod/sumdb/note and sumdb/tlog,
// used unmodified as Debian's golang-golang-x-mod-dev installs them. tests/third_party.py builds it and the tests
// of R-REC-4 run it. One subcommand a file:
//
//	c2sp_verify note VERIFIER_KEY... < SIGNED_NOTE              (main.go)
//	c2sp_verify proof VERIFIER_KEY... < CERTIFICATE_PROOF       (proof.go)
//	c2sp_verify tiles DIR VERIFIER_KEY...                       (tiles.go: a mirror's checkpoint and tiles)
//
// Exit status: 0 it holds (what was verified printed); 1 refused (the error printed); 2 a usage, input or
// verifier key error.
package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/mod/sumdb/note"
)

const usage = "usage: c2sp_verify note|proof VERIFIER_KEY... < INPUT | c2sp_verify tiles DIR VERIFIER_KEY..."

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "tiles" {
		tilesMain(os.Args[2:]) // its verifier keys follow DIR, and it reads files, not standard input
		return
	}
	if len(os.Args) < 3 {
		fail(2, usage)
	}
	verifiers, input := verifierList(os.Args[2:]), readStdin()
	switch os.Args[1] {
	case "note":
		openNote(input, verifiers)
	case "proof":
		checkProofs(input, verifiers)
	default:
		fail(2, usage)
	}
}

// openNote opens a C2SP signed note with note.Open: each verified signature printed as "verified NAME KEYHASH",
// then the text.
func openNote(msg []byte, verifiers note.Verifiers) {
	n, err := note.Open(msg, verifiers)
	if err != nil {
		fail(1, "refused: %v", err)
	}
	for _, sig := range n.Sigs {
		fmt.Printf("verified %s %08x\n", sig.Name, sig.Hash)
	}
	fmt.Print(n.Text)
}

func verifierList(vkeys []string) note.Verifiers {
	var verifiers []note.Verifier
	for _, vkey := range vkeys {
		v, err := note.NewVerifier(vkey)
		if err != nil {
			fail(2, "verifier key %q: %v", vkey, err)
		}
		verifiers = append(verifiers, v)
	}
	return note.VerifierList(verifiers...)
}

func readStdin() []byte {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(2, "reading standard input: %v", err)
	}
	return data
}

func fail(status int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(status)
}
