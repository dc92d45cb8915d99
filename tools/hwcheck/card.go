package main

// hwcheck card: lists the PC/SC readers pcscd knows, waits for a card,
// reads and decodes it as the terminal does, and optionally saves the photo.

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/drivers/smartcard/pcsc"
	"github.com/regterm/regterm/drivers/smartcard/thaiid"
)

func init() {
	commands["card"] = command{summary: "list card readers, wait for an ID card, read and decode it", run: runCard}
}

type cardName struct {
	Prefix string `json:"prefix"`
	First  string `json:"first"`
	Middle string `json:"middle"`
	Last   string `json:"last"`
}

type cardAddress struct {
	HouseNo     string `json:"house_no"`
	Moo         string `json:"moo"`
	Alley       string `json:"alley"`
	Lane        string `json:"lane"`
	Road        string `json:"road"`
	Subdistrict string `json:"subdistrict"`
	District    string `json:"district"`
	Province    string `json:"province"`
}

// cardJSON is the -json output: UTF-8 text, Gregorian ISO 8601 dates.
type cardJSON struct {
	CitizenID   string      `json:"citizen_id"`
	NameTH      cardName    `json:"name_th"`
	NameEN      cardName    `json:"name_en"`
	BirthDate   string      `json:"birth_date"`
	Gender      string      `json:"gender"`
	Issuer      string      `json:"issuer"`
	IssueDate   string      `json:"issue_date"`
	ExpiryDate  *string     `json:"expiry_date"`
	Address     cardAddress `json:"address"`
	PhotoNumber string      `json:"photo_number"`
	LaserCode   *string     `json:"laser_code"`
	ATR         string      `json:"atr"`
}

func toCardJSON(c *smartcard.IDCard) cardJSON {
	j := cardJSON{
		CitizenID:   c.CitizenID,
		NameTH:      cardName(c.NameTH),
		NameEN:      cardName(c.NameEN),
		BirthDate:   c.BirthDate.Format(time.DateOnly),
		Gender:      map[smartcard.Gender]string{smartcard.GenderMale: "male", smartcard.GenderFemale: "female"}[c.Gender],
		Issuer:      c.Issuer,
		IssueDate:   c.IssueDate.Format(time.DateOnly),
		Address:     cardAddress(c.Address),
		PhotoNumber: c.PhotoNumber,
		ATR:         hex.EncodeToString(c.ATR),
	}
	if !c.ExpiryDate.IsZero() {
		s := c.ExpiryDate.Format(time.DateOnly)
		j.ExpiryDate = &s
	}
	if c.LaserCode != "" {
		s := c.LaserCode
		j.LaserCode = &s
	}
	return j
}

func runCard(args []string) int {
	fs := flag.NewFlagSet("hwcheck card", flag.ContinueOnError)
	readerName := fs.String("reader", "", "reader name (default: the first reader pcscd lists)")
	asJSON := fs.Bool("json", false, "print the decoded card as one JSON object")
	photo := fs.String("photo", "", "save the card photo (JPEG) to this file")
	socket := fs.String("socket", "", "pcscd socket (default $PCSCLITE_CSOCK_NAME or "+pcsc.DefaultSocket+")")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for a card")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout+15*time.Second)
	defer cancel()
	out := os.Stdout
	info := io.Writer(os.Stdout)
	if *asJSON {
		info = os.Stderr
	}
	fail := func(what string, err error) int {
		fmt.Fprintf(os.Stderr, "card: %s: %v\n", what, err)
		switch {
		case errors.Is(err, smartcard.ErrNoService):
			fmt.Fprintln(os.Stderr, "card: hint: pcscd is not running: `systemctl start pcscd` (Debian package pcscd)")
		case errors.Is(err, smartcard.ErrNoReader):
			fmt.Fprintln(os.Stderr, "card: hint: no reader: check the USB cable and `lsusb`; the reader needs a CCID driver (Debian libccid)")
		case errors.Is(err, smartcard.ErrUnsupportedCard):
			fmt.Fprintln(os.Stderr, "card: hint: this is not a Thai national ID card")
		case errors.Is(err, smartcard.ErrCardRemoved):
			fmt.Fprintln(os.Stderr, "card: hint: the card was pulled out during the read; insert it and keep it in")
		}
		return 1
	}

	opts := &pcsc.Opts{Socket: *socket, Timeout: 10 * time.Second}
	lister, err := pcsc.New(ctx, opts)
	if err != nil {
		return fail("connect to pcscd", mapNoService(err))
	}
	states, err := lister.ReaderStates(ctx)
	lister.Close()
	if err != nil {
		return fail("list readers", err)
	}
	if len(states) == 0 {
		return fail("list readers", fmt.Errorf("%w: pcscd lists no reader", smartcard.ErrNoReader))
	}
	fmt.Fprintf(info, "readers (pcscd protocol %s):\n", lister.Version())
	for _, s := range states {
		card := "no card"
		if s.Present() {
			card = fmt.Sprintf("card present, ATR %s, %s", strings.ToUpper(hex.EncodeToString(s.ATR)), s.Protocol)
		}
		fmt.Fprintf(info, "  %-40s %s\n", s.Name, card)
	}

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	src, err := thaiid.OpenPCSC(ctx, opts, *readerName)
	if err != nil {
		return fail("open reader", err)
	}
	r := thaiid.NewReader(src, &thaiid.Opts{Log: quiet})
	defer r.Close()
	wctx, wcancel := context.WithTimeout(ctx, *timeout)
	present, err := r.WaitPresence(wctx, false)
	wcancel()
	if err != nil || !present {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: no card inserted within %v", smartcard.ErrNoCard, *timeout)
		}
		return fail("wait for card", err)
	}
	fmt.Fprintf(info, "reading the card in %s ...\n", src.Slot.Reader())
	start := time.Now()
	card, err := r.Read(ctx)
	if err != nil {
		return fail("read", err)
	}
	fmt.Fprintf(info, "read in %v (%d APDUs)\n", time.Since(start).Round(time.Millisecond), r.LastStats().APDUs)
	if *photo != "" {
		if err := os.WriteFile(*photo, card.Photo, 0o600); err != nil {
			return fail("save photo", err)
		}
		fmt.Fprintf(info, "photo saved to %s (%d bytes)\n", *photo, len(card.Photo))
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(toCardJSON(card)); err != nil {
			return fail("json", err)
		}
		return 0
	}
	printCard(out, card)
	return 0
}

func mapNoService(err error) error {
	if errors.Is(err, pcsc.ErrNoService) {
		return fmt.Errorf("%w: %w", smartcard.ErrNoService, err)
	}
	return err
}

func printCard(w io.Writer, c *smartcard.IDCard) {
	name := func(n smartcard.Name) string {
		return strings.Join(strings.Fields(strings.Join([]string{n.Prefix, n.First, n.Middle, n.Last}, " ")), " ")
	}
	expiry := "does not expire"
	if !c.ExpiryDate.IsZero() {
		expiry = c.ExpiryDate.Format(time.DateOnly)
		if c.Expired(time.Now()) {
			expiry += " (EXPIRED)"
		}
	}
	laser := c.LaserCode
	if laser == "" {
		laser = "(not readable on this chip)"
	}
	a := c.Address
	var addr []string
	for _, p := range []string{a.HouseNo, a.Moo, a.Alley, a.Lane, a.Road, a.Subdistrict, a.District, a.Province} {
		if p != "" {
			addr = append(addr, p)
		}
	}
	gender := map[smartcard.Gender]string{smartcard.GenderMale: "male", smartcard.GenderFemale: "female"}[c.Gender]
	ref := "none"
	if c.Reference != nil {
		ref = fmt.Sprintf("%d bytes", len(c.Reference))
	}
	fmt.Fprintf(w, "citizen ID:    %s (check digit OK)\n", c.CitizenID)
	fmt.Fprintf(w, "name (Thai):   %s\n", name(c.NameTH))
	fmt.Fprintf(w, "name (Eng):    %s\n", name(c.NameEN))
	fmt.Fprintf(w, "birth date:    %s\n", c.BirthDate.Format(time.DateOnly))
	fmt.Fprintf(w, "gender:        %s\n", gender)
	fmt.Fprintf(w, "issuer:        %s\n", c.Issuer)
	fmt.Fprintf(w, "issued:        %s\n", c.IssueDate.Format(time.DateOnly))
	fmt.Fprintf(w, "expires:       %s\n", expiry)
	fmt.Fprintf(w, "address:       %s\n", strings.Join(addr, " "))
	fmt.Fprintf(w, "photo:         %d bytes (JPEG)\n", len(c.Photo))
	fmt.Fprintf(w, "photo number:  %s\n", c.PhotoNumber)
	fmt.Fprintf(w, "laser code:    %s\n", laser)
	fmt.Fprintf(w, "reference:     %s\n", ref)
	fmt.Fprintf(w, "ATR:           %s\n", strings.ToUpper(hex.EncodeToString(c.ATR)))
}
