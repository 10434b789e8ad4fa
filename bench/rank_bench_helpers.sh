# Sourced by the scale-out benches: the median of numbers on stdin, a wall clock in seconds, and a
# localhost port nobody listens on (for one run's rendezvous).
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
