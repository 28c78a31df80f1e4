"""Writes the Spanish development and training sets (issue 19): ``python ml/eval_data/es/make_sets.py``.

Hand-written sentences, one writer, tagged with level, class and style (dictated = lower case, no
punctuation). The development set tunes the Spanish lexicon (ml/data/risk_lexicon_es.json); the
training set holds the exemplar sentences the lexicon was written from. Neither shares a sentence
with the blind set (tests/fixtures/eval_es_blind/), which was written first and is read in
aggregate only.
"""

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
P, A, PL, SH, H, N = "passive_ideation", "active_ideation", "plan_or_intent", "self_harm", "history", "none"

DEV = [
    (P, "direct", "Ojalá pudiera dormirme y no despertar más."),
    (P, "indirect", "Creo que todos estarían mejor sin mí."),
    (P, "indirect", "Me siento una carga para mi familia."),
    (P, "direct", "La vida no tiene sentido para mí ahora mismo."),
    (P, "direct", "Estoy harto de vivir así."),
    (P, "passive_everyday", "Me daría igual que me pasara algo en la carretera."),
    (P, "indirect", "nadie me echaría de menos si desapareciera"),
    (P, "direct", "Quisiera desaparecer para siempre."),
    (P, "direct", "Ya no quiero vivir."),
    (P, "passive_everyday", "Ojalá me diera un infarto y se acabara todo."),
    (P, "indirect", "mis padres vivirían más tranquilos si yo no existiera"),
    (P, "direct", "Tengo ganas de morirme."),
    (P, "indirect", "No le encuentro sentido a levantarme cada día."),
    (P, "negation_scope", "No es que vaya a hacer nada, pero preferiría no despertar mañana."),
    (P, "retracted_denial", "Al médico le dije que estaba bien. No era verdad, quiero desaparecer."),
    (P, "direct", "me gustaría morirme mientras duermo"),
    (P, "indirect", "Para qué seguir viviendo si nada cambia."),
    (P, "indirect", "Pienso mucho en la muerte últimamente."),
    (P, "negation_scope", "No veo ningún futuro para mí."),
    (
        P,
        "buried_in_long_entry",
        "Fui a la farmacia, recogí la receta, pensé que me daría igual no despertar mañana y después volví a casa.",
    ),
    (A, "direct", "Pienso en suicidarme casi todos los días."),
    (A, "direct", "He tenido pensamientos suicidas esta semana."),
    (A, "direct", "Me quiero matar."),
    (A, "direct", "Tengo ideas de quitarme la vida."),
    (A, "direct", "A veces me dan ganas de tirarme al metro."),
    (A, "direct", "quiero acabar con mi vida"),
    (A, "direct", "Me siento suicida otra vez."),
    (A, "direct", "Estoy pensando en acabar con todo."),
    (A, "retracted_denial", "En la consulta dije que no pensaba en matarme, pero era mentira."),
    (A, "negation_scope", "No paro de pensar en el suicidio."),
    (A, "history_vs_now", "Hace años tuve ideas suicidas y esta semana han vuelto."),
    (A, "direct", "Se me cruza por la cabeza tirarme desde el balcón."),
    (A, "direct", "pienso en ahorcarme cuando me quedo solo"),
    (A, "negation_scope", "No sé cuánto tiempo más voy a aguantar sin matarme."),
    (A, "direct", "He pensado en el suicidio como salida."),
    (
        A,
        "buried_in_long_entry",
        "Hoy limpié la casa, llamé a mi madre, pensé en suicidarme otra vez y luego me puse una serie.",
    ),
    (A, "direct", "todos los días pienso en matarme"),
    (A, "direct", "Quiero terminar con mi vida."),
    (PL, "direct", "Voy a suicidarme esta noche."),
    (PL, "plan_no_risk_words", "Esta noche, cuando se duerman los niños, me tomo todas mis pastillas."),
    (PL, "goodbyes_affairs", "He escrito una carta de despedida para mis hijos."),
    (PL, "goodbyes_affairs", "He dejado mis cosas en orden para cuando ya no esté."),
    (PL, "method_research_means", "Llevo semanas guardando pastillas para tomármelas todas juntas."),
    (PL, "method_research_means", "Busqué en internet cuántas pastillas hacen falta para morir."),
    (PL, "interrupted_attempt", "Estuve a punto de tirarme del puente anoche."),
    (PL, "plan_no_risk_words", "Ya he elegido el día."),
    (PL, "direct", "He decidido quitarme la vida el domingo."),
    (PL, "goodbyes_affairs", "le regalé mi guitarra a mi sobrino porque ya no voy a estar"),
    (PL, "method_research_means", "Compré una soga y sé dónde la voy a colgar."),
    (PL, "plan_no_risk_words", "Lo tengo todo planeado para el sábado."),
    (PL, "interrupted_attempt", "Me subí a la azotea y estuve mirando abajo hasta que me eché para atrás."),
    (PL, "goodbyes_affairs", "Mandé mensajes de despedida a todos mis contactos."),
    (PL, "direct", "voy a matarme cuando mi marido se vaya a trabajar"),
    (PL, "method_research_means", "He estado buscando la forma menos dolorosa de morir."),
    (PL, "plan_no_risk_words", "Mañana es el día, ya sé cómo lo voy a hacer."),
    (PL, "goodbyes_affairs", "Dentro de poco ya no voy a estar aquí, así que he dado mi gato a mi hermana."),
    (PL, "negation_scope", "Nadie lo sabe, pero tengo un plan para matarme."),
    (PL, "interrupted_attempt", "Tenía la cuerda al cuello cuando sonó el teléfono."),
    (SH, "direct", "Me corté otra vez anoche."),
    (SH, "direct", "Me he vuelto a hacer cortes en los brazos."),
    (SH, "direct", "Me quemo con el mechero cuando estoy ansiosa."),
    (SH, "direct", "me hago daño cuando no puedo más"),
    (SH, "indirect", "Me golpeo la cabeza contra la pared para sentir algo."),
    (SH, "negation_scope", "Me pongo manga larga para tapar las heridas nuevas."),
    (SH, "direct", "Volví a autolesionarme después de la discusión."),
    (SH, "direct", "Necesito cortarme para calmarme."),
    (SH, "retracted_denial", "Le dije a mi madre que no me cortaba. Es mentira."),
    (SH, "direct", "Me arañé los brazos hasta sangrar a propósito."),
    (SH, "history_vs_now", "Hace tiempo que no me cortaba, pero ayer lo volví a hacer."),
    (SH, "direct", "me di puñetazos en las piernas hasta dejarme moratones"),
    (SH, "indirect", "Me pellizco muy fuerte para castigarme."),
    (SH, "negation_scope", "No consigo dejar de cortarme."),
    (SH, "direct", "Me hice quemaduras en el brazo con un cigarro."),
    (
        SH,
        "buried_in_long_entry",
        "Salí del trabajo, compré la cena, al llegar a casa me corté en el baño y luego cené.",
    ),
    (H, "history_vs_now", "Cuando era adolescente intenté quitarme la vida, ahora estoy mucho mejor."),
    (H, "history_vs_now", "Hace años me cortaba, ya no lo hago."),
    (H, "direct", "En 2010 tuve un intento de suicidio."),
    (H, "direct", "De joven pensaba en matarme."),
    (H, "history_vs_now", "Hubo una temporada en la que me hacía daño, pero la superé."),
    (H, "direct", "Tuve una sobredosis cuando tenía veinte años."),
    (H, "history_vs_now", "hace mucho que dejé de cortarme y estoy orgulloso"),
    (H, "direct", "Durante mi adolescencia tuve pensamientos suicidas."),
    (H, "history_vs_now", "Antes pensaba que mi familia estaría mejor sin mí, ahora sé que me quieren."),
    (H, "direct", "A los dieciséis intenté suicidarme."),
    (H, "history_vs_now", "Hace cinco años me quemaba los brazos, llevo tiempo limpia."),
    (H, "direct", "en el pasado estuve ingresado por intentar matarme"),
    (N, "idiom", "Me muero de ganas de que lleguen las vacaciones."),
    (N, "idiom", "Me mata el frío de las mañanas."),
    (N, "idiom", "Me morí de risa con la película."),
    (N, "idiom", "Estoy muerto de sueño."),
    (N, "idiom", "Este calor me va a matar."),
    (N, "idiom", "Me muero por un helado."),
    (N, "idiom", "me muero de hambre"),
    (N, "idiom", "Los lunes me matan."),
    (N, "idiom", "Me mato a estudiar y no apruebo."),
    (N, "idiom", "Me corté las uñas y el flequillo."),
    (N, "idiom", "Casi me muero del susto cuando sonó la alarma."),
    (N, "idiom", "Mi jefe me va a matar si llego tarde."),
    (N, "idiom", "Me quiero morir de la vergüenza con lo que dije ayer."),
    (N, "idiom", "me mata la espalda después de trabajar"),
    (N, "idiom", "Me tiré a la piscina y acepté el trabajo nuevo."),
    (N, "third_person", "Mi hermana se autolesiona y no sé cómo ayudarla."),
    (N, "third_person", "Un amigo del trabajo se suicidó el mes pasado."),
    (N, "third_person", "Mi hijo dice que quiere morirse cuando se enfada."),
    (N, "third_person", "Mi padre intentó quitarse la vida hace años."),
    (N, "third_person", "Ella dice que todos estarían mejor sin ella."),
    (N, "third_person", "mi vecino se tiró por la ventana y estoy en shock"),
    (N, "third_person", "Leí un artículo sobre el suicidio en los jóvenes."),
    (N, "third_person", "Mi novia se corta cuando discutimos."),
    (N, "third_person", "El protagonista de la serie piensa en matarse."),
    (N, "third_person", "Vimos un documental sobre la prevención del suicidio."),
    (N, "third_person", "Mi compañero de piso me contó que se hace daño."),
    (N, "false_alarm_end_it", "Voy a acabar con esta relación mañana."),
    (N, "false_alarm_end_it", "Esta noche termino el informe y se acabó."),
    (N, "false_alarm_end_it", "He dejado mis papeles en orden para la declaración de la renta."),
    (N, "false_alarm_end_it", "Regalé mis libros viejos a la biblioteca."),
    (N, "false_alarm_end_it", "Me despedí de mis amigos antes de irme a Madrid."),
    (N, "false_alarm_end_it", "Ya tengo todo preparado para la mudanza."),
    (N, "false_alarm_end_it", "voy a terminar con todo el trabajo pendiente hoy"),
    (N, "false_alarm_end_it", "Compré pastillas para el dolor de cabeza."),
    (N, "false_alarm_end_it", "El domingo lo dejo con mi novio."),
    (N, "false_alarm_end_it", "Cancelé el gimnasio y la suscripción de la tele."),
    (N, "false_alarm_end_it", "He decidido dejar el trabajo."),
    (N, "true_denial", "No pienso en suicidarme."),
    (N, "true_denial", "Nunca me he hecho daño."),
    (N, "true_denial", "No tengo ningún pensamiento de quitarme la vida."),
    (N, "true_denial", "No quiero morirme, quiero estar mejor."),
    (N, "true_denial", "Jamás haría nada para matarme."),
    (N, "true_denial", "no me corto ni me hago daño"),
    (N, "true_denial", "En ningún momento he pensado en el suicidio."),
    (N, "true_denial", "No tengo ideas suicidas, solo mucha tristeza."),
    (N, "true_denial", "Ni se me ha pasado por la cabeza matarme."),
    (N, "true_denial", "Me preguntaron si quería morir y dije que no, y es la verdad."),
    (N, "everyday_negative", "Hoy me he sentido muy triste."),
    (N, "everyday_negative", "No duermo bien desde hace semanas."),
    (N, "everyday_negative", "Estoy muy estresado con el trabajo."),
    (N, "everyday_negative", "Echo mucho de menos a mi madre."),
    (N, "everyday_negative", "Me siento sola los fines de semana."),
    (N, "everyday_negative", "hoy he llorado mucho y no sé por qué"),
    (N, "everyday_negative", "Estoy cansadísima."),
    (N, "everyday_negative", "No tengo ganas de salir de casa."),
    (N, "everyday_negative", "Me corté sin querer cortando cebolla."),
    (N, "everyday_negative", "Me quemé con la plancha por accidente."),
    (N, "everyday_negative", "Discutí con mi pareja por el dinero."),
    (N, "everyday_negative", "Hoy he ido a correr y me siento mejor."),
    (N, "everyday_negative", "No aguanto más este ruido de la obra."),
    (N, "everyday_negative", "Estoy hasta las narices de mi jefe."),
    (N, "everyday_negative", "me duele mucho la cabeza y no me apetece nada"),
    (N, "everyday_negative", "Me caí por las escaleras y me hice daño en el tobillo."),
    (N, "everyday_negative", "Mi perro murió ayer y estoy destrozada."),
    (N, "everyday_negative", "Quiero dormir hasta tarde mañana."),
]

TRAIN = [
    (P, "direct", "Me gustaría no despertar mañana."),
    (P, "indirect", "A mis hijos les iría mejor sin mí."),
    (P, "indirect", "Soy un estorbo para todos."),
    (P, "direct", "No le veo sentido a seguir."),
    (P, "direct", "Estoy cansado de la vida."),
    (P, "passive_everyday", "Ojalá me atropellara un coche."),
    (P, "indirect", "Si yo no estuviera, nadie lo notaría."),
    (P, "direct", "Quiero desaparecer."),
    (A, "direct", "Quiero suicidarme."),
    (A, "direct", "Pienso en matarme."),
    (A, "direct", "Tengo pensamientos de quitarme la vida."),
    (A, "direct", "Me dan ganas de tirarme por el balcón."),
    (A, "direct", "Quiero acabar con todo."),
    (PL, "plan_no_risk_words", "Esta noche me tomo todas las pastillas."),
    (PL, "goodbyes_affairs", "He escrito notas de despedida."),
    (PL, "method_research_means", "He comprado una cuerda para colgarme."),
    (PL, "method_research_means", "He buscado cuántas pastillas son mortales."),
    (PL, "interrupted_attempt", "Estuve a punto de saltar desde la azotea."),
    (PL, "direct", "Voy a matarme el viernes."),
    (SH, "direct", "Me corto los brazos."),
    (SH, "direct", "Me quemo con cigarros."),
    (SH, "direct", "Me hago daño cuando estoy mal."),
    (SH, "direct", "Me autolesiono."),
    (SH, "negation_scope", "Llevo manga larga para tapar los cortes nuevos."),
    (H, "history_vs_now", "Hace años intenté suicidarme."),
    (H, "history_vs_now", "De adolescente me cortaba."),
    (N, "idiom", "Me muero de risa."),
    (N, "idiom", "Me mata el calor."),
    (N, "idiom", "Me muero de hambre."),
    (N, "idiom", "Estoy muerto de miedo."),
    (N, "third_person", "Mi amiga quiere suicidarse."),
    (N, "third_person", "Mi hermano se corta."),
    (N, "false_alarm_end_it", "Voy a terminar con él."),
    (N, "true_denial", "No quiero morirme."),
    (N, "true_denial", "Nunca he pensado en suicidarme."),
    (N, "everyday_negative", "Estoy muy triste hoy."),
]


def _rows(items):
    for level, cls, text in items:
        dictated = text == text.lower() and not re.search(r"[.,;:!?¿¡]", text)
        yield {
            "text": text,
            "level": level,
            "risk": level != "none",
            "style": "dictated" if dictated else "written",
            "class": cls,
        }


def main() -> None:
    blind = HERE.parents[2] / "tests" / "fixtures" / "eval_es_blind" / "risk.jsonl"
    for name, items in (("risk_dev.jsonl", DEV), ("risk_train.jsonl", TRAIN)):
        texts = [t for _, _, t in items]
        assert len(set(texts)) == len(texts), f"{name}: duplicate sentence"
        # checked by comparison only: the blind sentences are never printed or read by a person
        lines = blind.read_text(encoding="utf-8").splitlines()
        overlap = len(set(texts) & {json.loads(line)["text"] for line in lines if line})
        assert not overlap, f"{name}: {overlap} sentence(s) also in the blind set"
        with (HERE / name).open("w", encoding="utf-8") as out:
            for row in _rows(items):
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{name}: {len(items)} rows")


if __name__ == "__main__":
    main()
