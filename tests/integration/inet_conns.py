# SPDX-License-Identifier: GPL-2.0
# inet_conns.py PORT N4 N6: N4 TCP connections over 127.0.0.1 and N6 over ::1
# to PORT, each accepted and closed by the client first.
import socket, sys, time
port, n4, n6 = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for fam, addr, n in ((socket.AF_INET, "127.0.0.1", n4), (socket.AF_INET6, "::1", n6)):
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(16)
    for _ in range(n):
        c = socket.create_connection((addr, port))
        s, _ = srv.accept()
        c.close()
        s.recv(1)
        s.close()
    srv.close()
time.sleep(0.2)
