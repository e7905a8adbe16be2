"""Everyday to-do words in the app's languages, so a request names a to-do written in another one
("Sposta il taglio di capelli a venerdì" names "Book a haircut"). Data only: each line is one
meaning, its English words first; matching.py looks a request word up and adds the line's other
words to the ones it matches titles with. Only for the shortlist of a long list, where a missed
title cannot be picked at all."""

GROUPS = """
milk | milch lait leche latte leite melk mleko mjölk süt молоко
bread | brot pain pane pão brood chleb bröd ekmek
eggs egg | eier oeufs œufs huevos uova ovos eieren jajka ägg yumurta
cheese | käse fromage queso formaggio queijo kaas ser ost peynir
coffee | kaffee café caffè caffe koffie kawa kaffe kahve
water watering | wasser eau agua acqua água woda vatten
groceries shopping | einkauf einkaufen lebensmittel courses compra spesa compras boodschappen zakupy
dog | hund chien perro cane cão cachorro hond pies köpek
cat | katze chat gato gatto kat kot katt kedi
vet | tierarzt vétérinaire veterinario veterinário dierenarts weterynarz veterinär veteriner
dentist | zahnarzt dentiste dentista tandarts dentysta tandläkare dişçi
doctor | arzt médecin médico medico dokter lekarz läkare doktor
hair haircut | haare friseur cheveux coiffeur pelo cabello peluquería capelli parrucchiere cabelo cabeleireiro haar kapper włosy fryzjer hår frisör saç kuaför
car | auto voiture coche macchina carro samochód bil araba
tyre tire tyres tires | reifen reifendruck pneu pneus neumático neumáticos gomme banden opony däck lastik
bike bicycle | fahrrad vélo bicicleta bici fiets rower cykel bisiklet
books book | bücher buch livres livre libros libro libri livros boeken boek książki böcker kitap
library | bibliothek bücherei bibliothèque biblioteca bibliotheek biblioteka bibliotek kütüphane
magazine subscription | zeitschrift abo abonnement magazine revista rivista abbonamento assinatura tijdschrift czasopismo prenumerata tidning dergi
letter letters | brief lettre carta lettera brev mektup
parcel package | paket colis paquete pacco pacote pakket paczka
bank | banque banco banca
rent | miete loyer alquiler affitto aluguel huur czynsz hyra kira
bill bills invoice | rechnung facture factura fattura fatura rekening faktura räkning fatura
tax taxes | steuer steuern steuererklärung impôts impuestos tasse imposte impostos belasting podatek skatt vergi
passport | reisepass passeport pasaporte passaporto passaporte paspoort paszport
flight flights | flug vol vuelo volo voo vlucht lot flyg uçuş
hotel | hôtel hotel albergo otel
train | zug bahn tren treno trem trein pociąg tåg
ticket tickets | fahrkarte billet billete biglietto bilhete kaartje bilet biljett
present presents gift gifts | geschenk geschenke cadeau cadeaux regalo regali presente presentes prezent present hediye
birthday | geburtstag anniversaire cumpleaños compleanno aniversário verjaardag urodziny födelsedag doğum
christmas | weihnachten weihnachtsbaum noël navidad natale natal kerst kerstboom choinka choinką choinkę jul julgran noel
tree | baum arbre árbol albero árvore boom drzewo träd ağaç
plants flowers | pflanzen blumen plantes fleurs plantas flores piante fiori planten bloemen rośliny kwiaty växter blommor bitkiler çiçekler
garden | garten jardin jardín giardino jardim tuin ogród trädgård bahçe
laundry washing | wäsche lessive linge colada bucato roupa pranie tvätt çamaşır
dishes | geschirr vaisselle platos piatti louça afwas naczynia bulaşık
oven | ofen backofen four horno forno oven piekarnik ugn fırın
window windows | fenster fenêtre fenêtres ventana ventanas finestra finestre janela janelas raam ramen okno okna fönster pencere
kitchen | küche cuisine cocina cucina cozinha keuken kuchnia kök mutfak
coat jacket | mantel jacke manteau veste abrigo chaqueta cappotto giacca casaco jas kurtka płaszcz jacka ceket mont
shoes | schuhe chaussures zapatos scarpe sapatos schoenen buty skor ayakkabı
clothes | kleidung kleider vêtements ropa vestiti roupas kleren ubrania kläder kıyafet
sheets bed | bettwäsche bett draps sábanas cama lenzuola letto lençóis lakens bed pościel łóżko lakan säng çarşaf yatak
fence | zaun clôture valla cerca recinto hek płot staket çit
boiler heating | heizung kessel chaudière chauffage caldera calefacción caldaia riscaldamento caldeira aquecimento ketel verwarming piec ogrzewanie panna värme kombi
kettle | wasserkocher bouilloire hervidor bollitore chaleira waterkoker czajnik vattenkokare
freezer | gefrierschrank congélateur congelador congelatore vriezer zamrażarka frys dondurucu
garage | garage garaje garagem
photos pictures | fotos bilder photos fotos foto foto's zdjęcia bilder fotoğraflar
guitar | gitarre guitare guitarra chitarra gitaar gitara gitarr gitar
printer ink | drucker tinte imprimante encre impresora tinta stampante inchiostro printer inkt drukarka tusz skrivare bläck yazıcı mürekkep
batteries | batterien piles pilas batterie pilhas batterijen baterie batterier piller
contract | vertrag contrat contrato contratto contract umowa kontrakt sözleşme
insurance | versicherung assurance seguro assicurazione verzekering ubezpieczenie försäkring sigorta
knives | messer couteaux cuchillos coltelli facas messen noże knivar bıçaklar
words | wörter vokabeln mots palabras parole palavras woorden słówka ord kelimeler
cookies biscuits | kekse plätzchen biscuits galletas biscotti bolachas koekjes ciasteczka kakor kurabiye
shelves shelf | regal regale étagère étagères estante estantes mensola mensole prateleira plank planken półki hyllor raf
prescription medicine | rezept medikamente ordonnance médicaments receta medicamentos ricetta medicine receita remédios recept medicijnen recepta leki recept ilaç reçete
recycling | recycling wertstoffe recyclage reciclaje riciclo reciclagem recykling återvinning
phone | handy telefon téléphone teléfono telefono telefone telefoon telefon
trip travel | reise urlaub voyage viaje viaggio viagem reis podróż resa seyahat
mum mom mother | mama mutter maman mère mamá madre mamma mãe moeder
grandma grandmother | oma grand-mère abuela nonna avó oma babcia mormor farmor büyükanne
plumber | klempner installateur plombier fontanero idraulico encanador loodgieter hydraulik rörmokare tesisatçı
tap faucet | wasserhahn robinet grifo rubinetto torneira kraan kran kran musluk
router wifi | router wlan routeur wifi enrutador modem roteador router ruter
parking | parken parkplatz stationnement aparcamiento estacionamiento parcheggio parkeren parkowanie parkering otopark
fine ticket | strafzettel bußgeld amende multa contravvenzione boete mandat böter ceza
blender mixer | mixer standmixer mixeur batidora licuadora frullatore liquidificador blender blender mikser
suitcase packing | koffer packen valise bagages maleta equipaje valigia bagagli mala bagagem inpakken walizka resväska bavul
report | bericht rapport informe relazione relatório rapport raport rapport rapor
""".strip().splitlines()


def _index():
    index = {}
    for line in GROUPS:
        english, foreign = line.split("|")
        words = set(english.split()) | set(foreign.split())
        for word in words:
            index.setdefault(word, set()).update(words - {word})
    return index


INDEX = _index()


def equivalents(word):
    """The words of other languages that mean what `word` means (empty when it is no known word)."""
    return INDEX.get(word, set())
