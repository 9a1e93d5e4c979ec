package notify_test

import "net/mail"

func mailAddr(name, addr string) mail.Address { return mail.Address{Name: name, Address: addr} }
