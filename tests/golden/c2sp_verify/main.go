// Command c2sp_verify is glue between the registry's tests and Go's golang.org/x/mod/sumdb/note, used unmodified
// as Debian's golang-golang-x-mod-dev installs it: it opens a C2SP signed note with the verifier keys given, and
// says whether the note holds. tests/e2e/test_c2sp_third_party.py builds and runs it (R-REC-4).
//
//	c2sp_verify note VERIFIER_KEY... < SIGNED_NOTE
//	c2sp_verify tiles DIR VERIFIER_KEY...          (tiles.go: a mirror's checkpoint and tiles, with sumdb/tlog)
//
// Exit status: 0 the note holds (each verified signature printed as "verified NAME KEYHASH", then the text);
// 1 note.Open refused it (its error printed); 2 a usage or verifier key error.
package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/mod/sumdb/note"
)

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "tiles" {
		tilesMain(os.Args[2:])
		return
	}
	if len(os.Args) < 3 || os.Args[1] != "note" {
		fail(2, "usage: c2sp_verify note VERIFIER_KEY... < SIGNED_NOTE | c2sp_verify tiles DIR VERIFIER_KEY...")
	}
	msg, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(2, "reading the note: %v", err)
	}
	n, err := note.Open(msg, verifierList(os.Args[2:]))
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

func fail(status int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(status)
}
