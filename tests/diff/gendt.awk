# gendt.awk: random date/time texts for tests/diff/datetime.sh, built from
# the pieces PostgreSQL's datetime parser knows (numbers of each length,
# separators, month and day names, AM/PM, BC, zones, ISO 'T', Julian
# days, special words) so that most inputs are near-valid.
#   awk -v seed=N -v n=COUNT -f gendt.awk
function pick(a, k) { return a[int(rand() * k) + 1] }
function num(w,   s, i) { s = ""; for (i = 0; i < w; i++) s = s int(rand() * 10); return s }
function piece(   r) {
    r = rand()
    if (r < 0.18) return num(int(rand() * 4) + 1) "-" num(int(rand() * 2) + 1) "-" num(int(rand() * 2) + 1)
    if (r < 0.30) return num(int(rand() * 2) + 1) ":" num(2) (rand() < 0.6 ? ":" num(2) : "") (rand() < 0.3 ? "." num(int(rand() * 8) + 1) : "")
    if (r < 0.40) return num(int(rand() * 8) + 1)
    if (r < 0.50) return pick(words, nwords)
    if (r < 0.60) return pick(zones, nzones)
    if (r < 0.66) return (rand() < 0.5 ? "+" : "-") num(int(rand() * 4) + 1)
    if (r < 0.70) return (rand() < 0.5 ? "+" : "-") num(2) ":" num(2)
    if (r < 0.76) return num(int(rand() * 2) + 1) "/" num(int(rand() * 2) + 1) "/" num(int(rand() * 4) + 1)
    if (r < 0.80) return num(4) "." num(3)
    if (r < 0.84) return "J" num(7) (rand() < 0.3 ? "." num(2) : "")
    if (r < 0.88) return pick(punct, npunct)
    if (r < 0.92) return num(8) (rand() < 0.5 ? "T" num(6) : "")
    return pick(months, nmonths) (rand() < 0.5 ? "-" num(2) : "")
}
BEGIN {
    srand(seed)
    nwords = split("am pm AM PM bc ad BC AD at on t T epoch infinity -infinity allballs today tomorrow yesterday y m d h mm s j julian dow doy Mon Tuesday wed dst DST z zulu", words, " ")
    nzones = split("UTC GMT EST PST CET CEST MSK EDT NZDT IST America/New_York Europe/Paris Asia/Kolkata Australia/Lord_Howe Etc/GMT+3 EST5EDT xyz5 foo Nowhere/Zone UT", zones, " ")
    npunct = split(", . / - : ; ( ) '", punct, " ")
    nmonths = split("Jan feb MARCH apr May june jul Aug sept Oct nov December", months, " ")
    for (i = 0; i < n; i++) {
        k = int(rand() * 5) + 1
        s = ""
        for (j = 0; j < k; j++) {
            p = piece()
            sep = rand() < 0.75 ? " " : (rand() < 0.5 ? "T" : "")
            s = (j == 0) ? p : s sep p
        }
        print s
    }
}
