# bad.profile - a syntax error on line 5 (the tests check the position).

namespaces {
	user pid
	filesystem-typo /tmp
}
