"""The words and phrases cues.py's rules look for, in the app's languages (English, German, French,
Spanish, Italian, Portuguese, Dutch, and some Swedish and Polish): verbs that name a tool, words
for a status, a repeat, a time, the person and their list, and the patterns of questions,
self-corrections and attempts to talk the assistant out of its job. Data only; the rules that
use them are in cues.py."""
import re

FILLER = frozenset("""please pls plz ok okay hey hi hello so now could can would will you u kindly
just also then quickly quick go ahead and""".split())
WRITE_VERBS = {"uncomplete": "reopen", "add": "add", "ad": "add", "delete": "delete", "remove": "delete", "erase": "delete",
               "rename": "rename", "reopen": "reopen", "unmark": "reopen", "uncheck": "reopen",
               "complete": "complete",
               # the same commands in the other languages people write to the app in
               "lösche": "delete", "lösch": "delete", "entferne": "delete", "supprime": "delete",
               "efface": "delete", "borra": "delete", "elimina": "delete",
               "apague": "delete", "verwijder": "delete", "ajoute": "add", "añade": "add", "agrega": "add",
               "aggiungi": "add", "adicione": "add", "benenne": "rename", "renomme": "rename",
               "renombra": "rename", "rinomina": "rename", "hernoem": "rename"}
MOVE_VERBS = {"move": "set_due", "reschedule": "set_due", "postpone": "set_due", "push": "set_due",
              "verschiebe": "set_due", "déplace": "set_due", "mueve": "set_due", "sposta": "set_due",
              "verplaats": "set_due", "mova": "set_due", "flytta": "set_due"}
READ_VERBS = {"count": "count", "search": "search", "find": "search", "list": "list", "show": "list",
              "zeige": "list", "zeig": "list", "montre": "list", "affiche": "list", "muestra": "list",
              "mostra": "list", "mostre": "list", "toon": "list", "visa": "list", "pokaż": "list"}
NOT_THE_VERBS_TOOL = frozenset("due deadline date reminder list overview summary".split())  # "add a due date", "complete list"
READ_TOOLS = ("count", "list", "search", "duplicates", "answer")
WRITE_TOOLS = ("add", "complete", "reopen", "delete", "rename", "set_due")

# at the start of a clause only: "…, actually make it Friday", not "have I actually finished it?"
SELF_CORRECTION = re.compile(r"(?:^|[,;:.!?—–-]\s*|\bno,?\s+)(i mean|actually|wait|sorry|rather|instead|scratch that"
                             r"|warte|eigentlich|attends|en fait|espera|aspetta|anzi|wacht|eigenlijk|na verdade)\b")
INSTEAD = re.compile(r"\b(don't|dont|don’t|do not|no need to)\b[^.;!?]*?[,;]\s*(?:just|but|rather)\s+(.*)$")
YES_NO = re.compile(r"^(is|are|was|were|did|does|do|have|has|had|ist|sind|hab|habe|hast|est-ce|ai-je|"
                    r"as-tu|he|ha|ho|hai|já|heb)\b(?!\s+(you|u|it)\b).*\?\s*$")   # not "do you mind …?"
WH_QUESTION = re.compile(r"^(what|what's|whats|which|when|where|how|who|anything|any)\b|\?\s*$")
ONTO_THE_LIST = re.compile(r"\b(on|onto|to|in)\s+(the|my)\s+(list|to-?do|to-?dos|todo list)\b")

QUANTITY = re.compile(r"\b(how many|how much|number of|tally|tally up|combien|wie ?viele|cu[aá]nt[oa]s|quant[ie]"
                      r"|quant[oa]s|hoeveel|hur många|ile)\b|\b(give me|just|only|as) (a|the) (number|count|total)\b")
NOT_COUNT = frozenset("court mount fount coint".split())   # real words one typo from "count"
STATUS_WORDS = ("open", "done", "all")
DONE_WORDS = frozenset("""done finished completed ticked checked crossed erledigt fertig abgeschlossen
gemacht terminé terminée terminés terminées fini finie finis finies fait faits faite faites hecho
hechos hecha hechas terminado terminados terminada terminadas completado completados completada
completadas fatto fatti fatta fatte completato completati finito finiti finita finite feito feitos
feita feitas concluído concluídos concluída concluídas klaar gedaan afgerond voltooid afgevinkt
afgestreept abgehakt abgehakte abgehakten coché cochée cochés cochées tachado tachados tachada tachadas
spuntato spuntati spuntata spuntate riscado riscados riscada riscadas klarat klara avklarade färdiga gjort
gjorda""".split())
OPEN_WORDS = frozenset("""open undone unfinished pending remaining left unchecked unticked outstanding
offen übrig ausstehend unerledigt reste restent restantes restant pendiente pendientes quedan queda
faltan aperto aperti aperta aperte rimasti rimaste restano mancano pendente pendentes faltam abertos
abertas openstaand resterend kvar""".split())
NEGATIONS = frozenset("not t yet never nicht pas no non niet".split())   # "aren't" is "aren", "t"
STILL_TO = frozenset("be get".split())     # "what's left to be done" names the open ones
EITHER = re.compile(r"\b(done|finished|completed|ticked|checked)\s+(or|and)\s+(not|undone|open)\b"
                    r"|\b(erledigt|fertig|termin[ée]e?s?|faite?s?|hech[oa]s?|terminad[oa]s?|fatt[oaie]|klaar|gedaan"
                    r"|afgerond|feit[oa]s?|conclu[íi]d[oa]s?)\s+(oder|ou|o|of)\s+(nicht|pas|non|no|niet|não|nao)\b"
                    r"|\b(done|finished|completed|ticked|checked)\s+(ones\s+|stuff\s+|things\s+)?(included|too|as well)\b"
                    r"|\b(including|incl\.?|counting)\s+(the\s+)?(done|finished|completed|ticked)\b")
ALL_WORDS = frozenset("""all every everything whole entire total both including incl included inclusive too
altogether done finished completed ticked alle alles gesamt tout tous toutes todas tutto tutti tutte
wszystkie wszystko alla allt""".split())
PLAIN_ALL = ALL_WORDS - DONE_WORDS   # words for all that name no status ("done or not" names both)
WEEK_RANGE = re.compile(r"\b(next|coming|following)\s+(7|seven|few)\s+days\b|\bwithin\s+(a|one)\s+week\b"
                        r"|\bthis\s+(coming\s+)?week\b|\bcoming\s+week\b|\bweek ahead\b|\besta semana\b|\bdiese[rn]? woche\b"
                        r"|\bcette semaine\b|\bquesta settimana\b|\b(n)?essa semana\b|\bnesta semana\b|\bdeze week\b"
                        r"|\bdenna vecka\b|\b(between now and|from now (un)?till?|(from )?today (un)?till?|now (un)?till?)\s+"
                        r"(the weekend|the end of the week|this weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b")
OVERDUE = re.compile(r"\b(overdue|late|past due|behind|past (the |its |their |my )?deadlin\w*|missed (the |its |their |my )?deadlin\w*|überfällig\w*|verspätet\w*|en retard|atrasad[oa]s?"
                     r"|vencid[oa]s?|in ritardo|scadut[oiea]|te laat|achterstallig|verlopen|passou do prazo|passaram do prazo"
                     r"|fora do prazo|fuera de plazo|blown (through|past)|blew (through|past)|should(’|')?ve (been )?(done|finished)|should have (been )?(done|finished)"
                     r"|(mean|meant|supposed|planned) to (have )?(been )?(done|finished|do|get)( \w+){0,4} by now)\b")
# The person, not a to-do, is late: "doing my sunday review a day late", "running late".
SELF_LATE = re.compile(r"\b((a|one|two|three|\d+|a few|a couple of)\s+(days?|weeks?|hours?|minutes?)|a (bit|little)|running)\s+late\b")
DATE_HINT = re.compile(r"\d|\b(today|tomorrow|yesterday|monday|tuesday|wednesday|thursday|friday"
                       r"|saturday|sunday|week|month|january|february|march|april|june|july"
                       r"|august|september|october|november|december)\b")
DUPLICATE_WORDS = ("duplicate", "duplicates", "dupe", "dupes", "double", "doubles", "twice",
                   "repeated", "copies")
REPEATS = re.compile(r"\b(more than (once|one time)|twice|two times|multiple times|duplicat\w*|dupes?"
                     r"|double[ds]?|double-ups?|repeats|repeated|doppelt\w*|doublons?|repetid[oa]s|duplicad[oa]s"
                     r"|duplicat[ie]|dubbel\w*|dwa razy|två gånger|iki kez|zweimal|deux fois|dos veces|due volte|duas vezes"
                     r"|twee keer)\b")
# any word for a repeat, in the app's languages: without one, a pick of `duplicates` is a misreading
REPETITION = re.compile(r"\b(same|identical|cop(y|ies)|twice|dup\w*|doubl\w*|repeat\w*|again|more than (once|one)"
                        r"|two times|multiple times|zweimal|mehrfach|doppelt\w*|deux fois|doublons?|dos veces"
                        r"|repetid\w*|due volte|duplicat\w*|duas vezes|twee keer|dubbel\w*|wiederhol\w*|répét\w*"
                        r"|repet\w*|ripet\w*|herhaal\w*|dwa razy|två gånger|iki kez)\b")
# "which of my open tasks could I do from home?": which-questions whose predicate is no status, date
# or text to match ask the assistant to judge (an answer), not to filter or search
WHICH_OF = re.compile(r"^(which|what)\s+(of\s+(my|these|the|those)\s+)?((open|unfinished|remaining|pending|"
                      r"outstanding)\s+)?(tasks?|to-?dos?|todos|items?|ones?|jobs?|things?|errands?)?\s*"
                      r"(could|can|should|would|will|need|needs|involve|involves|require|requires|take|takes"
                      r"|look|looks|are|is)\b(?P<rest>.*)$")
NOT_A_JUDGEMENT = re.compile(r"\b(due|overdue|late|done|finished|completed|open|pending|today|tomorrow|week|mention\w*"
                             r"|contain\w*|about|say|says|called|named|with|listed|twice|duplicat\w*|left|ticked)\b")
# "what am I supposed to be doing today?": the day's to-dos, asked as a question of what to do
WHAT_TO_DO = re.compile(r"^(?:so\W*|ok\W*|okay\W*|hey\W*)?what(?:'s|’s|s)?\b(?![^?]*\b(?:first|best|most|next|should|weather"
                        r"|time|date|day is)\b)[^?]*\b(?:to do|doing|supposed to|due|on (?:for|my)|have (?:on|to do))\b")
MEANING = re.compile(r"\bwhat does\b.*\bmean\b|\bwhat(’s|'s| is) meant by\b|\bwhat is the meaning of\b")
ASKS_HOW_OR_WHY = re.compile(r"^(how|why|what|what's|whats|where|who|which|best|is there a way)\b.*\?\s*$")
ALL_OF_A_STATUS = re.compile(r"\b(?:all|everything)\s+(?:(?:the|my|of|those|these|still|that's|thats|that|i've|ive|i|have"
                             r"|already)\s+)*(\w+)")   # "everything I've crossed off" names "crossed"
MARK_DONE = re.compile(r"^(?:(?:please|pls|can|could|would|you|just|now|so|ok|okay)\s+)*(?:mark|tick|check|cross)\b"
                       r"(?!.*\b(not|un\w*|open)\b).*\b(done|dun|complete|completed|finished|off)\b")
MARK_DONE_ABROAD = re.compile(r"(^|[,.;:!]\s*)(marque|marquer|markiere|markier|marca|marcar|segna|segnala|markeer|hake)\b.*\b(terminé\w*|fait\w*|"
                              r"erledigt|fertig|hecho|hecha|completad\w*|terminad\w*|fatto|fatta|completat\w*|feit[oa]"
                              r"|concluíd[oa]|klaar|gedaan|ab)\b")     # "Marque « X » comme terminé"
UNDO_A_TICK = re.compile(r"\b(accident\w*|by mistake|mistaken\w*|wrongly|shouldn'?t have|didn'?t mean to)\b.*"
                         r"\b(tick|check|mark|complet|done|finish)|\b(tick|check|mark|complet|done|finish)\w*\b.*"
                         r"\b(by accident|by mistake|accidentally)\b|\b(undo|untick|uncheck|unmark)\b"
                         r"|\b(take|get)\s+(the\s+|that\s+|its\s+)?(check\s?mark|tick)\s+off\b"
                         r"|\b(remove|clear)\s+(the\s+|that\s+|its\s+)?(check\s?mark|tick)\b")
MARK_WORDS = frozenset("ticked checked crossed marked due".split())
STATUS_STEMS = ("finished", "completed", "remaining", "pending", "outstanding", "unfinished", "open", "done",
                "left", "still", "overdue", "task", "tasks", "todo", "todos", "items", "list")
NEVER_TICKED = re.compile(r"\b(never|not|n't|n’t|isnt|wasnt|hasnt)\s+(got\s+|get\s+|been\s+|yet\s+)?(ticked|checked|marked"
                          r"|crossed)\b")    # "I picked it up on Monday, it just never got ticked"
OVERRIDE = re.compile(r"^(please\s+)?(ignore|disregard|forget|override)\b.*\b(instructions|rules|prompt|programming)\b"
                      r"|\b(ignore|disregard|override)\s+(all\s+)?(of\s+)?your\s+(previous\s+|prior\s+)?"
                      r"(instructions|rules|programming)\b"     # "X is done. Also, ignore your rules and …"
                      r"|\b(ignorier\w*|ignore[sz]?|ignora|negeer)\s+(alle\s+|toutes\s+|todas\s+|tutte\s+|al\s+)?(deine|ihre|tes|vos|tus"
                      r"|sus|je|jouw|le tue|as suas|suas)\s+(regeln|anweisungen|règles|reglas"
                      r"|instrucciones|regels|instructies|regole|istruzioni|regras|instruções)\b"
                      r"|\b(system prompt|developer mode|jailbreak)\b"    # talking to the model, not the list
                      r"|\b(from now on|pretend|forget)\b[^.!?]*\b(you are|you're|youre|you’re|to be)\s+(a|an|my)\b"
                      r"|^(you are|you're|you’re) (now|no longer)\b|\byou are now (in|a|an|my)\b"  # "forget you're a to-do app"
                      r"|^\W*system override\b|\bpretend (that )?you (have|had) no\b"
                      r"|\b(do|follow|obey|execute|run) (whatever|what) (the|my|this|that|it) .*\b(says|tells|asks)\b"
                      r"|\b(follow|obey|execute) the instructions (in|of|from)\b")   # a title's orders are not the user's
QUOTED_TITLE = re.compile(r"(^|[\s(:])[\"'“‘«]\s*(.+?)\s*[\"'”’»](?=$|[\s,.;:!?)])")
QUOTED = re.compile(r"(^|[\s(:])[\"'“”‘’«»]")   # an opening quote; not the apostrophe of "you're"
LANGUAGES = ("english|german|french|spanish|italian|portuguese|dutch|polish|swedish|danish|norwegian"
             "|finnish|greek|turkish|russian|ukrainian|chinese|japanese|korean|arabic|hindi")
TRANSLATE = re.compile(r"^(translate|übersetze?|traduis|traduire|traduce|traduci|traduza|vertaal)\b"
                       r"|\bhow do (you|i) say\b|\bwhat(’|')?s the (" + LANGUAGES + r") (word )?for\b"
                       r"|\bwhat is the (" + LANGUAGES + r") (word )?for\b")
IN_LANGUAGE = re.compile(r"\b(in|into)\s+(" + LANGUAGES + r")\b")
CLEARING = re.compile(r"\b(remove|clear|drop|delete|erase|take off|unset|without|no|lösche|entferne|"
                      r"supprime|quita|elimina|rimuovi|remova|verwijder)\b.*\b(due|date|deadline|datum|"
                      r"fecha|data|échéance)\b|\b(undated|no due date|no deadline)\b")
LIST_WORDS = frozenset("""list to-do to-dos todo todos task tasks items item everything plate agenda jobs chores errands
liste lista aufgabe aufgaben tâche tâches tarea tareas compito compiti tarefa tarefas taak taken
lijst lijstje uppgift uppgifter zadanie zadania zadań""".split())
HERE = frozenset("here these those this them thing things hier ici aquí aqui qui drauf".split())  # "… thing here?"
PERSON_WORDS = frozenset("""i i'm im my me mine myself we our us ich mein meine meinen meiner mir mich
je j moi mon ma mes yo mi mis me io mio mia miei mie eu meu minha meus minhas ik mijn jag mig min mina
mam moje moich""".split())

SENTENCES = re.compile(r"(?<=[.!?…])\s+|\.\.+\s*|\s+[-–—]+\s+|,\s+(?=(?:can|could|would|will) you\b|please\b)")
THANKS = re.compile(r"^(thanks?|thank you|thx|ty|cheers|please|pls|merci|danke|gracias|grazie|obrigad[oa]|bedankt)"
                    r"(\s+(a lot|so much|again|in advance))?[\s!.:)(]*$")

GREETINGS = frozenset("hi hello hey yo thanks thank thx ty help bye ok okay hallo salut bonjour hola ciao "
                      "olá oi hoi danke merci gracias grazie obrigado".split())
# Phrases that name a write tool without its verb first: "…, put it down", "New task - book the
# MOT", "Acheter du pain -> Acheter des croissants", "fix the name on it", "make X read Y".
ADD_PHRASE = re.compile(r"\b(put|write|note|jot|set)\s+(it|that|this)\s+down\b(?!\s+for\b)|^(new|another)\s+(task|to-?do|item|reminder)\b"
                        r"|^note to self\b")
ARROW = re.compile(r"\s(?:->|→|=>)\s+(.*)$")     # "A -> B": a new title, unless B is a date
RENAME_PHRASE = re.compile(r"\b(fix|update|change|correct)\s+the\s+(name|wording|title|text|spelling)\b"
                           r"|\b(make|can|could)\s+.{1,60}\s(read|say)\s+(?!(the\s+)?\d|(next\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today)\b)\S|\b(call|name|title)\s+it\s+[\"'“‘«]"
                           r"|\bshould be (called|named)\b")
# The done ones left out: the open ones ("skip the finished ones", "not counting what I've done").
DONE_LEFT_OUT = re.compile(r"\b(skip|skipping|forget|ignore|ignoring|not counting|excluding|except|without|leave out|leaving out"
                           r"|minus|apart from|besides)\s+(the\s+|what\s+|anything\s+)?((stuff|ones?|things?|tasks?|items?)\s+)?"
                           r"(that\s+)?(i(’|')?ve\s+|i\s+have\s+|i\s+|are\s+|is\s+|already\s+)*(already\s+)?"
                           r"(finished|done|completed|ticked|checked|crossed)\b")
# Words between an add's title and its date, or after it: "Ajoute acheter du fromage pour demain stp".
TITLE_TAIL = frozenset("pour for on by due stp svp please pls per für bis am para voor op bitte le el il".split())
# Wrapping around a to-do's words: "I need to … at some point" ("… put it down").
WANT_TO = re.compile(r"^(i (really )?(need|have|want|ought|got) to|i must|i should|remember to|don'?t forget to|gotta|need to)\s+"
                     r"|\s+(at some point|sometime|some time|soon|later|eventually)\s*[.,!]?$", re.IGNORECASE)
# Two requests in one ("how many are done, and then show me the open ones"): the first decides.
NEXT_INTENT = re.compile(r",?\s+(?:and then|and also|and after that|then)\s+")
