# perl in the sandbox: core modules (List::Util and Digest::MD5, which are
# XS: shared objects loaded by dlopen; POSIX; Data::Dumper), regular
# expressions, files in a temporary directory, fork and wait, backticks.
# Run as `perl -e "$(cat perl_core.pl)"`.
use strict;
use warnings;
use List::Util qw(sum max min first reduce uniq);
use Digest::MD5 qw(md5_hex);
use POSIX qw(floor ceil strftime);
use Data::Dumper;
use File::Temp qw(tempdir);

my @n = (3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5);
printf "sum %d max %d min %d first>4 %d product %d\n", sum(@n), max(@n), min(@n), (first { $_ > 4 } @n), (reduce { $a * $b } @n);
print "uniq: @{[uniq @n]}\n";
print "sorted: @{[sort { $a <=> $b } @n]}\n";

my $text = "2024-02-29 user=alice id=42; 2023-12-01 user=bob id=7";
my @users;
while ($text =~ /(?<date>\d{4}-\d\d-\d\d) user=(?<user>\w+) id=(\d+)/g) {
    push @users, "$+{user}($3) on $+{date}";
}
print "regex: ", join(", ", @users), "\n";
(my $swapped = "hello world") =~ s/(\w+) (\w+)/$2 $1/;
print "substitution: $swapped\n";
my $count = () = "banana" =~ /a/g;
print "count of a in banana: $count\n";
(my $tr = "sandbox") =~ tr/a-y/b-z/;
print "tr: $tr\n";
print "split/join: ", join("|", split /\s*,\s*/, "a , b,c ,d"), "\n";

print "md5: ", md5_hex("abc"), "\n";
print "floor/ceil: ", floor(-2.5), " ", ceil(2.1), "\n";
print "strftime: ", strftime("%Y-%m-%d %H:%M:%S", gmtime(1700000000)), "\n";
local $Data::Dumper::Sortkeys = 1;
local $Data::Dumper::Indent = 0;
print "Dumper: ", Dumper({ b => [1, 2], a => { c => undef } }), "\n";

my $dir = tempdir(CLEANUP => 1);
open(my $fh, ">", "$dir/f.txt") or die "open: $!";
print $fh "line $_\n" for 1 .. 100;
close $fh;
open($fh, "<", "$dir/f.txt") or die "open: $!";
my @lines = <$fh>;
close $fh;
printf "file: %d lines, last %s", scalar(@lines), $lines[-1];
print "-s: ", -s "$dir/f.txt", "\n";

my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) { exit 5 }
waitpid($pid, 0);
print "fork and waitpid: exit ", $? >> 8, "\n";
my $out = `echo from backticks; exit 3`;
print "backticks: $out", "status ", $? >> 8, "\n";
open(my $p, "-|", "seq", "1", "5") or die "pipe open: $!";
my @s = <$p>;
close $p;
print "pipe open: ", scalar(@s), " lines\n";
print "done\n";
