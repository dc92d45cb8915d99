// Command cardsim is a virtual Thai national ID card for vpcd (the virtual
// reader driver of pcscd, Debian package vsmartcard-vpcd).
//
//	cardsim [-vpcd 127.0.0.1:35963] [-insert] CARD.toml|CARD.json
//
// It reads commands on standard input, one per line:
//
//	insert [CARD]   connect the card (or another card file) to vpcd
//	remove          pull the card out
//	status          print whether the card is inserted and its APDU count
//	quit            remove the card and exit
//
// See docs/smartcard.md for the card file format and faults.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/regterm/regterm/tools/cardsim"
)

func main() {
	addr := flag.String("vpcd", cardsim.DefaultVPCDAddr, "vpcd address (host:port of the reader slot)")
	insert := flag.Bool("insert", false, "insert the card at start")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: cardsim [-vpcd ADDR] [-insert] CARD.toml|CARD.json\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	path := flag.Arg(0)
	card, err := load(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	v := cardsim.NewVICC(*addr, nil)
	if *insert {
		if err := doInsert(v, card); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "insert":
			if len(f) > 1 {
				c, err := load(f[1])
				if err != nil {
					fmt.Println("error:", err)
					continue
				}
				card = c
			}
			if err := doInsert(v, card); err != nil {
				fmt.Println("error:", err)
			}
		case "remove":
			if err := v.Remove(); err != nil {
				fmt.Println("error:", err)
			} else {
				fmt.Println("removed")
			}
		case "status":
			fmt.Printf("inserted=%v apdus=%d\n", v.Inserted(), card.Count())
		case "quit", "exit":
			v.Remove()
			return
		default:
			fmt.Println("commands: insert [CARD], remove, status, quit")
		}
	}
	v.Remove()
}

func load(path string) (*cardsim.Card, error) {
	f, err := cardsim.LoadCardFile(path)
	if err != nil {
		return nil, err
	}
	return f.Card()
}

func doInsert(v *cardsim.VICC, c *cardsim.Card) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := v.Insert(ctx, c); err != nil {
		return err
	}
	fmt.Println("inserted")
	return nil
}
