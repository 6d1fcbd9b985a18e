// Command burstlet-netif creates and removes the network interfaces the sandbox gives its virtual
// nodes an address on: a veth pair (<name> and <name>p) in the current network namespace, the
// address on <name>, so the API server's node proxy (which refuses loopback and
// link-local addresses) can reach their kubelet API. It only touches interfaces it is named.
//
//	burstlet-netif add <name> <address/prefix>   create the pair, give <name> the address, bring both up
//	burstlet-netif del <name>                    remove the pair (no error if it is gone)
//	burstlet-netif list <prefix>                 print interfaces whose name starts with prefix, one a line
//	burstlet-netif addrs                         print every address on the machine, one CIDR a line
//
// Exit status 3 means the caller lacks CAP_NET_ADMIN (or the kernel lacks veth interfaces).
// (A veth pair, not a dummy interface: some kernels, gVisor's among them, have no dummy driver.)
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "burstlet-netif:", err)
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		fmt.Fprintln(os.Stderr, "burstlet-netif: creating interfaces needs CAP_NET_ADMIN")
		os.Exit(3)
	}
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENODEV) {
		fmt.Fprintln(os.Stderr, "burstlet-netif: the kernel has no veth interfaces (module veth)")
		os.Exit(3)
	}
	os.Exit(1)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: burstlet-netif add <name> <address/prefix> | del <name> | list <prefix> | addrs")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch args := os.Args[2:]; os.Args[1] {
	case "add":
		if len(args) != 2 {
			usage()
		}
		addr, err := netlink.ParseAddr(args[1])
		if err != nil {
			fail(fmt.Errorf("address %q: %w", args[1], err))
		}
		link := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: args[0]}, PeerName: args[0] + "p"}
		if err := netlink.LinkAdd(link); err != nil {
			fail(fmt.Errorf("creating %s: %w", args[0], err))
		}
		if peer, err := netlink.LinkByName(link.PeerName); err == nil {
			_ = netlink.LinkSetUp(peer)
		}
		if err := netlink.AddrAdd(link, addr); err != nil {
			_ = netlink.LinkDel(link)
			fail(fmt.Errorf("adding %s to %s: %w", args[1], args[0], err))
		}
		if err := netlink.LinkSetUp(link); err != nil {
			_ = netlink.LinkDel(link)
			fail(fmt.Errorf("bringing %s up: %w", args[0], err))
		}
	case "del":
		if len(args) != 1 {
			usage()
		}
		link, err := netlink.LinkByName(args[0])
		var notFound netlink.LinkNotFoundError
		if errors.As(err, &notFound) {
			return
		}
		if err != nil {
			fail(err)
		}
		if err := netlink.LinkDel(link); err != nil {
			fail(fmt.Errorf("removing %s: %w", args[0], err))
		}
	case "list":
		if len(args) != 1 {
			usage()
		}
		links, err := netlink.LinkList()
		if err != nil {
			fail(err)
		}
		for _, l := range links {
			if strings.HasPrefix(l.Attrs().Name, args[0]) {
				fmt.Println(l.Attrs().Name)
			}
		}
	case "addrs":
		addrs, err := netlink.AddrList(nil, netlink.FAMILY_ALL)
		if err != nil {
			fail(err)
		}
		for _, a := range addrs {
			fmt.Println(a.IPNet.String())
		}
	default:
		usage()
	}
}
