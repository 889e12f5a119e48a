# The sqlite3 command line on a database in a temporary directory (in the
# sandbox: its own /tmp): create, insert, select, a transaction, an index,
# a join, CSV output, WAL mode, a second process reading, .dump. Run by
# bash -c.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
db="$d/test.db"
sqlite3 "$db" <<'SQL'
create table fruit (id integer primary key, name text not null, price real);
create table sale (fruit_id integer references fruit(id), qty integer);
insert into fruit (name, price) values ('apple', 0.5), ('banana', 0.25), ('cherry', 3.0);
begin;
insert into sale values (1, 10), (2, 4), (1, 3), (3, 1);
commit;
create index sale_fruit on sale (fruit_id);
SQL
sqlite3 "$db" 'select id, name, price from fruit order by id;'
sqlite3 -header -column "$db" 'select f.name, sum(s.qty) as qty, sum(s.qty * f.price) as total from sale s join fruit f on f.id = s.fruit_id group by f.name order by f.name;'
sqlite3 -csv "$db" "select name, printf('%.2f', price) from fruit where price < 1 order by name;"
sqlite3 "$db" 'pragma journal_mode=wal;'
sqlite3 "$db" "insert into fruit (name, price) values ('date', 2.5);" &
wait
sqlite3 "$db" 'select count(*) from fruit; pragma integrity_check;'
sqlite3 "$db" "update fruit set price = price * 2 where name = 'apple'; select price from fruit where name = 'apple';"
sqlite3 "$db" 'begin; delete from sale; rollback; select count(*) from sale;'
sqlite3 "$db" .dump | grep -c '^INSERT INTO'
sqlite3 "$db" .schema
ls "$d" | sort
echo done
